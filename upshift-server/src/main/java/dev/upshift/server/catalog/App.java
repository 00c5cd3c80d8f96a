package dev.upshift.server.catalog;

import dev.upshift.core.kind.AppKind;

/**
 * An app as the catalog snapshot holds it. {@code tauriPublicKey} (base64 minisign public key) and
 * {@code sparklePublicKey} (base64 Ed25519 key) are what published files must verify against; empty means "not
 * checked".
 */
public record App(long id, long tenantId, String key, AppKind kind, String name, String packageName,
                  String description, long createdAt, String tauriPublicKey, String sparklePublicKey) {
}
