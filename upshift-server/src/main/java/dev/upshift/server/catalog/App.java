package dev.upshift.server.catalog;

import dev.upshift.core.kind.AppKind;

/** An app as the catalog snapshot holds it. */
public record App(long id, long tenantId, String key, AppKind kind, String name, String packageName,
                  String description, long createdAt) {
}
