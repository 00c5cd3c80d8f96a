package dev.upshift.server.admin;

import dev.upshift.server.accounts.Owners;
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
    private volatile long installationTenant;

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

    /** The installation's first tenant (created by {@link #bootstrap}); its owners may manage tenants. */
    public long installationTenantId() {
        long first = installationTenant;
        if (first == 0) {
            first = db.jdbi().withHandle(h -> h.createQuery("SELECT id FROM tenants ORDER BY id LIMIT 1")
                    .mapTo(Long.class).findOne().orElse(0L));
            installationTenant = first;
        }
        return first;
    }

    public boolean isInstallationTenant(long tenantId) {
        return tenantId == installationTenantId();
    }

    private record TokenRow(long id, long tenantId, boolean system, String hash, Long userId, String role,
                            Long expiresAt, Long lastUsedAt, String name, String username, String userRole,
                            Long userDisabledAt) {
    }

    /**
     * Resolves an {@code Authorization: Bearer} value: a user's API token (role capped by the user's current role,
     * refused once expired, revoked or its user disabled), or a bootstrap token, which works only while its tenant has
     * no owner. Empty when the header is absent or names no token; a refusal with a reason throws 401.
     */
    public Optional<Principal> authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = authorization.substring(7).trim();
        if (token.isEmpty() || token.length() > 256) {
            return Optional.empty();
        }
        String hash = RandomKeys.sha256Hex(token);
        long now = clock.millis();
        return db.jdbi().withHandle(h -> {
            Optional<TokenRow> found = h.createQuery("SELECT t.id, t.tenant_id, t.is_system, t.token_hash, t.user_id, "
                            + "t.role, t.expires_at, t.last_used_at, t.description, u.username, u.role AS user_role, "
                            + "u.disabled_at FROM admin_tokens t LEFT JOIN users u ON u.id = t.user_id "
                            + "WHERE t.token_hash = :h AND t.revoked_at IS NULL")
                    .bind("h", hash)
                    .map((rs, c) -> new TokenRow(rs.getLong("id"), rs.getLong("tenant_id"), rs.getInt("is_system") == 1,
                            rs.getString("token_hash"), nullableLong(rs, "user_id"), rs.getString("role"),
                            nullableLong(rs, "expires_at"), nullableLong(rs, "last_used_at"),
                            rs.getString("description"), rs.getString("username"), rs.getString("user_role"),
                            nullableLong(rs, "disabled_at")))
                    .findOne();
            if (found.isEmpty() || !MessageDigest.isEqual(hash.getBytes(StandardCharsets.US_ASCII),
                    found.get().hash().getBytes(StandardCharsets.US_ASCII))) {
                return Optional.<Principal>empty();
            }
            TokenRow t = found.get();
            if (t.userId() == null) {
                if (Owners.exist(h, t.tenantId())) {
                    throw new AdminApiException(AdminApiException.AdminError.UNAUTHORIZED, "This bootstrap token "
                            + "stopped working when the tenant's first owner was created. Sign in to the console, or "
                            + "use an API token (console: Tokens, or POST /api/admin/v1/tokens).");
                }
                return Optional.of(bootstrapPrincipal(t.tenantId(), t.system()));
            }
            if (t.userDisabledAt() != null) {
                return Optional.<Principal>empty();
            }
            if (t.expiresAt() != null && now >= t.expiresAt()) {
                throw new AdminApiException(AdminApiException.AdminError.UNAUTHORIZED, "This API token expired at "
                        + dev.upshift.server.db.Sql.rfc3339(t.expiresAt()) + "; create a new one.");
            }
            if (t.lastUsedAt() == null || now - t.lastUsedAt() >= 60_000) {
                h.createUpdate("UPDATE admin_tokens SET last_used_at = :now WHERE id = :id").bind("now", now)
                        .bind("id", t.id()).execute();
            }
            Role tokenRole = Role.fromWireName(t.role()).orElse(Role.VIEWER);
            Role userRole = Role.fromWireName(t.userRole()).orElse(Role.VIEWER);
            Role effective = tokenRole.atLeast(userRole) ? userRole : tokenRole;
            return Optional.of(new Principal(t.tenantId(), effective, t.userId(), t.username() + " (token "
                    + t.name() + ")", effective == Role.OWNER && isInstallationTenant(t.tenantId()),
                    Principal.Via.API_TOKEN, ""));
        });
    }

    private static Long nullableLong(java.sql.ResultSet rs, String column) throws java.sql.SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    /** Whether {@code setupCode} is the installation's live bootstrap token (the first-owner setup code). */
    public boolean isSetupCode(String setupCode) {
        if (setupCode == null || setupCode.isBlank() || setupCode.length() > 256) {
            return false;
        }
        String hash = RandomKeys.sha256Hex(setupCode.trim());
        return db.jdbi().withHandle(h -> h.createQuery("SELECT token_hash FROM admin_tokens WHERE token_hash = :h "
                        + "AND is_system = 1 AND user_id IS NULL AND revoked_at IS NULL").bind("h", hash)
                .mapTo(String.class).findOne()
                .filter(stored -> MessageDigest.isEqual(stored.getBytes(StandardCharsets.US_ASCII),
                        hash.getBytes(StandardCharsets.US_ASCII))).isPresent());
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
