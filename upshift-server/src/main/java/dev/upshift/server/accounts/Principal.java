package dev.upshift.server.accounts;

/**
 * Who is calling the admin API or the console, as authenticated for this one request.
 *
 * @param tenantId     the tenant whose objects the caller sees; everything else answers 404
 * @param role         the effective role (a token's role, capped by its user's current role)
 * @param userId       the user behind the call, or 0 for a tenant bootstrap token
 * @param name         how the audit log names the caller, e.g. {@code alice} or {@code alice (token ci-deploy)}
 * @param installation whether the caller may manage the installation itself (create tenants)
 * @param via          how the caller authenticated
 * @param csrfToken    the session's anti-forgery token; empty unless {@code via == SESSION}
 */
public record Principal(long tenantId, Role role, long userId, String name, boolean installation, Via via,
                        String csrfToken) {
    public enum Via { BOOTSTRAP_TOKEN, API_TOKEN, SESSION }
}
