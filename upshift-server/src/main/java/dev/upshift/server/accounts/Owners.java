package dev.upshift.server.accounts;

import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * A tenant's active owners (role owner, not disabled): one definition for the rules that hinge on them. A tenant's
 * bootstrap tokens work only while it has none, first-owner setup is due while the installation's first tenant has
 * none, and the last one can be neither demoted nor disabled.
 */
public final class Owners {
    private Owners() {
    }

    /**
     * The ids of {@code tenantId}'s active owners. {@code lock} takes their rows for the rest of the transaction
     * ({@code FOR UPDATE}, PostgreSQL only), so two owners demoting each other at once cannot both see the other
     * remain.
     */
    public static List<Long> active(Handle h, long tenantId, boolean lock) {
        return h.createQuery("SELECT id FROM users WHERE tenant_id = :t AND role = 'owner' AND disabled_at IS NULL "
                + "ORDER BY id" + (lock ? " FOR UPDATE" : "")).bind("t", tenantId).mapTo(Long.class).list();
    }

    public static boolean exist(Handle h, long tenantId) {
        return !active(h, tenantId, false).isEmpty();
    }
}
