package dev.upshift.core.rollout;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A rollout strategy: it makes one version visible to the clients it selects. Windows are inclusive at both ends
 * and in UTC.
 *
 * @param id          strategy id (part of the percentage hash, so two strategies roll out to different devices)
 * @param version     the version offered
 * @param enabled     off strategies are ignored
 * @param begin       first instant the strategy applies (inclusive)
 * @param end         last instant the strategy applies (inclusive)
 * @param upgradeType 0 unknown, 1 prompt, 2 silent, 3 forced
 * @param promptText  text shown to the user (UpgradeLink's promptUpgradeContent)
 * @param targeting   which devices
 * @param source      which installed versions may upgrade
 * @param channel     release channel of this strategy ({@link Channels})
 * @param percentage  share of devices in basis points (0..10000; 10000 = everyone)
 * @param grayRules   distinct-device quotas per time window
 * @param flowRules   request-rate limits on offering this strategy
 * @param rollback    a rollback strategy offers its (older) version only to clients that run a yanked version
 *                    newer than it, and is never offered as an upgrade
 */
public record Strategy(long id, ReleaseVersion version, boolean enabled, Instant begin, Instant end, int upgradeType,
                       String promptText, Targeting targeting, SourceRestriction source, String channel,
                       int percentage, List<GrayRule> grayRules, List<FlowRule> flowRules, boolean rollback) {

    public Strategy {
        grayRules = List.copyOf(grayRules);
        flowRules = List.copyOf(flowRules);
        channel = Channels.normalize(channel);
    }

    public boolean activeAt(Instant now) {
        return enabled && !now.isBefore(begin) && !now.isAfter(end);
    }

    /** Device targeting: everyone, members of any listed group, or devices of any listed model. */
    public sealed interface Targeting {
        record All() implements Targeting {
        }

        record Groups(Set<Long> groupIds) implements Targeting {
            public Groups {
                groupIds = Set.copyOf(groupIds);
            }
        }

        record Models(Set<String> modelKeys) implements Targeting {
            public Models {
                modelKeys = Set.copyOf(modelKeys);
            }
        }
    }

    /** Which installed versions may take this strategy's version. */
    public sealed interface SourceRestriction {
        record AnyVersion() implements SourceRestriction {
        }

        /** Only clients whose installed version is one of these version ids. */
        record Listed(Set<Long> versionIds) implements SourceRestriction {
            public Listed {
                versionIds = Set.copyOf(versionIds);
            }
        }

        /** Only clients whose installed version lies in [from, to] (inclusive; a null end is open). */
        record Range(ClientVersion from, ClientVersion to) implements SourceRestriction {
        }
    }
}
