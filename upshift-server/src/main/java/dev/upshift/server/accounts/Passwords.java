package dev.upshift.server.accounts;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Password rules and storage. Hashes are argon2id with t=2, m=19 MiB, p=1 (OWASP's and ASVS's minimum for
 * argon2id, chosen so a 2-core server can still answer logins in well under a second), stored as PHC strings, so
 * parameters can be raised later and old hashes still verify.
 */
public final class Passwords {
    public static final int MIN_LENGTH = 8;
    public static final int MAX_LENGTH = 128;
    private static final Argon2Function ARGON2 = Argon2Function.getInstance(19 * 1024, 2, 1, 32, Argon2.ID);
    /** Verified against when a username does not exist, so an unknown name costs as much time as a wrong password. */
    private static final String DUMMY_HASH = hash("not-a-real-password-but-the-same-cost");
    private static final Set<String> COMMON = load();

    private Passwords() {
    }

    public static String hash(String password) {
        return Password.hash(password).addRandomSalt(16).with(ARGON2).getResult();
    }

    /** True when {@code password} matches {@code phc}; a missing hash is checked against a dummy, for equal timing. */
    public static boolean verify(String password, String phc) {
        String stored = phc == null ? DUMMY_HASH : phc;
        boolean ok;
        try {
            ok = Password.check(password, stored).with(Argon2Function.getInstanceFromHash(stored));
        } catch (RuntimeException e) {
            ok = false; // an unreadable stored hash never verifies
        }
        return ok && phc != null;
    }

    /** Why {@code password} may not be used by {@code username}, or empty when it may. */
    public static Optional<String> problem(String password, String username) {
        int length = password.codePointCount(0, password.length());
        if (length < MIN_LENGTH) {
            return Optional.of("The password must be at least " + MIN_LENGTH
                    + " characters long (15 or more is better; a phrase of several words works well).");
        }
        if (length > MAX_LENGTH) {
            return Optional.of("The password must be at most " + MAX_LENGTH + " characters long.");
        }
        String lower = password.toLowerCase(Locale.ROOT);
        if (COMMON.contains(lower)) {
            return Optional.of("This password appears in lists of breached passwords; choose another one.");
        }
        if (username != null && !username.isEmpty() && lower.contains(username.toLowerCase(Locale.ROOT))) {
            return Optional.of("The password must not contain the username.");
        }
        return Optional.empty();
    }

    private static Set<String> load() {
        Set<String> words = new HashSet<>();
        try (InputStream in = Passwords.class.getResourceAsStream("/accounts/common-passwords.txt")) {
            if (in == null) {
                throw new IllegalStateException("accounts/common-passwords.txt is missing from the classpath");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                String w = line.strip();
                if (!w.isEmpty() && !w.startsWith("#")) {
                    words.add(w.toLowerCase(Locale.ROOT));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Set.copyOf(words);
    }
}
