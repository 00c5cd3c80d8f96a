package dev.upshift.server.catalog;

/** An enabled access key with its decrypted secret. Never rendered or logged whole. */
public record AccessKey(long tenantId, String accessKey, String secret) {
    @Override
    public String toString() {
        return "AccessKey[tenantId=" + tenantId + ", accessKey=" + accessKey + "]";
    }
}
