package dev.upshift.server.admin;

import dev.upshift.server.accounts.Principal;
import dev.upshift.server.accounts.Role;
import dev.upshift.server.auth.RandomKeys;
import dev.upshift.server.auth.SecretCipher;
import dev.upshift.server.db.Database;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Optional;

/**
 * Bearer tokens of the admin API. Only SHA-256 digests are stored. The first token is created at first start,
 * from {@code UPSHIFT_ADMIN_TOKEN} if set, else generated, printed once, and saved to
 * {@code <data-dir>/admin-token} (mode 600) so the local {@code upshift} command line can use it.
 */
public final class AdminAuth {
    /** What start-up did about the first token, for the start-up banner. */
    public record Bootstrap(String generatedToken, Path tokenFile, boolean fromEnvironment, boolean envIgnored) {
    }

    private final Database db;
    private final Clock clock;

    public AdminAuth(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Creates the default tenant and the first admin token if the installation has none. */
    public Bootstrap bootstrap(String envToken, Path dataDir) {
        long now = clock.millis();
        return db.jdbi().inTransaction(h -> {
            Long tenantId = h.createQuery("SELECT id FROM tenants ORDER BY id LIMIT 1").mapTo(Long.class).findOne().orElse(null);
            if (tenantId == null) {
                tenantId = h.createQuery("INSERT INTO tenants (name, created_at) VALUES ('default', :now) RETURNING id")
                        .bind("now", now).mapTo(Long.class).one();
            }
            boolean hasTokens = h.createQuery("SELECT COUNT(*) FROM admin_tokens").mapTo(Long.class).one() > 0;
            boolean envGiven = envToken != null && !envToken.isBlank();
            if (hasTokens) {
                boolean matches = envGiven && h.createQuery("SELECT COUNT(*) FROM admin_tokens WHERE token_hash = :h "
                                + "AND revoked_at IS NULL").bind("h", RandomKeys.sha256Hex(envToken.trim()))
                        .mapTo(Long.class).one() > 0;
                return new Bootstrap(null, dataDir.resolve("admin-token"), false, envGiven && !matches);
            }
            String token;
            if (envGiven) {
                token = envToken.trim();
                if (token.length() < 16) {
                    throw new IllegalStateException("UPSHIFT_ADMIN_TOKEN must be at least 16 characters long; "
                            + "use e.g. 'openssl rand -base64 32'.");
                }
            } else {
                token = RandomKeys.adminToken();
            }
            insertToken(h, tenantId, token, "bootstrap token", true, now);
            Path file = dataDir.resolve("admin-token");
            if (!envGiven) {
                writeOwnerOnly(file, token);
            }
            return new Bootstrap(envGiven ? null : token, file, envGiven, false);
        });
    }

    /** Stores a token (as its SHA-256) inside the caller's transaction. */
    static void insertToken(org.jdbi.v3.core.Handle h, long tenantId, String token, String description, boolean system,
                            long now) {
        h.createUpdate("INSERT INTO admin_tokens (tenant_id, token_hash, description, is_system, created_at) "
                        + "VALUES (:t, :h, :d, :s, :now)")
                .bind("t", tenantId).bind("h", RandomKeys.sha256Hex(token)).bind("d", description)
                .bind("s", system ? 1 : 0).bind("now", now).execute();
    }

    /** Resolves an {@code Authorization} header value. */
    public Optional<Principal> authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = authorization.substring(7).trim();
        if (token.isEmpty() || token.length() > 256) {
            return Optional.empty();
        }
        String hash = RandomKeys.sha256Hex(token);
        return db.jdbi().withHandle(h -> h.createQuery("SELECT tenant_id, is_system, token_hash FROM admin_tokens "
                        + "WHERE token_hash = :h AND revoked_at IS NULL")
                .bind("h", hash)
                .map((rs, ctx) -> MessageDigest.isEqual(hash.getBytes(StandardCharsets.US_ASCII),
                        rs.getString("token_hash").getBytes(StandardCharsets.US_ASCII))
                        ? bootstrapPrincipal(rs.getLong("tenant_id"), rs.getInt("is_system") == 1) : null)
                .findOne());
    }

    private static Principal bootstrapPrincipal(long tenantId, boolean system) {
        return new Principal(tenantId, Role.OWNER, 0, system ? "bootstrap token" : "tenant bootstrap token", system,
                Principal.Via.BOOTSTRAP_TOKEN, "");
    }

    private static void writeOwnerOnly(Path file, String token) {
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            SecretCipher.createOwnerOnly(file);
            Files.writeString(file, token + "\n", StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot write the admin token file " + file + ": " + e.getMessage());
        }
    }
}
