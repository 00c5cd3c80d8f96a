package dev.upshift.server.accounts;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a user or API token may do inside its tenant. Ordered: each role may do everything the roles before it may.
 * <ul>
 *   <li>{@code viewer}: read apps, versions, strategies, devices and statistics;
 *   <li>{@code publisher}: also create versions, upload files, publish releases, yank and unyank;
 *   <li>{@code admin}: also manage apps, strategies (rollouts), devices, access keys, and read the audit log;
 *   <li>{@code owner}: also manage users and their roles.
 * </ul>
 */
public enum Role {
    VIEWER, PUBLISHER, ADMIN, OWNER;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean atLeast(Role other) {
        return compareTo(other) >= 0;
    }

    public static Optional<Role> fromWireName(String s) {
        return Arrays.stream(values()).filter(r -> r.wireName().equals(s)).findFirst();
    }

    public static String allWireNames() {
        return Arrays.stream(values()).map(Role::wireName).collect(Collectors.joining(", "));
    }
}
