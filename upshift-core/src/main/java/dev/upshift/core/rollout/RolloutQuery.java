package dev.upshift.core.rollout;

import java.time.Instant;
import java.util.Set;

/**
 * A client's update check, independent of the wire format it came in.
 *
 * @param current          the version the client runs
 * @param currentVersionId the catalog id of that version if the catalog knows it (for listed source versions)
 * @param appointed        a version the client asks for explicitly, or null for "the best one for me"
 * @param platform         tauri target / electron platform, or "" for kinds without one
 * @param arch             architecture, or "" for kinds without one
 * @param channel          the channel the client follows ({@link Channels})
 * @param deviceKey        the device identity (devKey, x-user-staging-id, ...), or null when unknown
 * @param deviceModel      the device model key, or null
 * @param deviceGroups     ids of the groups the device belongs to
 * @param now              the decision time
 * @param currentYanked    the installed version is known and has been yanked (rollback strategies apply)
 */
public record RolloutQuery(ClientVersion current, Long currentVersionId, ClientVersion appointed, String platform,
                           String arch, String channel, String deviceKey, String deviceModel, Set<Long> deviceGroups,
                           Instant now, boolean currentYanked) {
    public RolloutQuery {
        deviceGroups = Set.copyOf(deviceGroups);
        channel = Channels.normalize(channel);
        if (deviceKey != null && deviceKey.isEmpty()) {
            deviceKey = null;
        }
        if (deviceModel != null && deviceModel.isEmpty()) {
            deviceModel = null;
        }
    }
}
