package dev.upshift.server.artifacts;

import dev.upshift.server.config.ServerConfig;
import java.io.IOException;

/** Opens the artifact store the configuration names ({@code artifact-store=local|s3}). */
public final class ArtifactStores {
    private ArtifactStores() {
    }

    /**
     * @param forServer true for a starting server (staged uploads left by a crash are removed); false for the
     *                  maintenance commands, which may run beside a server and must leave its uploads alone
     */
    public static ArtifactStore open(ServerConfig config, boolean forServer) throws IOException {
        if (config.artifactStore().isS3()) {
            return S3ArtifactStore.open(config.artifactStore(), config.artifactsDir().resolve("tmp"), forServer);
        }
        return forServer ? new LocalArtifactStore(config.artifactsDir())
                : LocalArtifactStore.forMaintenance(config.artifactsDir());
    }

    /** Releases the store's connections, if it has any. */
    public static void close(ArtifactStore store) {
        if (store instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // nothing to release that matters at exit
            }
        }
    }
}
