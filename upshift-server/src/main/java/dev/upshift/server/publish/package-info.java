/**
 * Checks the publish pipeline runs on an upload before anything is stored: platform signatures (minisign for
 * Tauri, Ed25519 for Sparkle, apksig for Android) and the parsing of uploaded update manifests (Tauri
 * {@code latest.json}, electron-builder {@code latest*.yml}).
 *
 * <p>Everything here is pure: no HTTP, no database. Each failed check is a {@link
 * dev.upshift.server.publish.PublishCheckException} whose {@link dev.upshift.server.publish.PublishCheckException.Code}
 * says which check failed, with a message meant for the person who uploaded the file.
 */
package dev.upshift.server.publish;
