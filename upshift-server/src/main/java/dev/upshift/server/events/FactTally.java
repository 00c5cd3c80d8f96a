package dev.upshift.server.events;

import dev.upshift.server.tables.FingerprintTable;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Server facts (checked, offered, downloaded) summed in memory between two flushes of the event writer (decision
 * 0019): a check adds to a counter and returns, without a queue, a lock or a wake-up of the writer thread.
 *
 * <p>What is kept until the next flush:
 * <ul>
 *   <li>one counter per roll-up key ({@code event_daily}): the flush writes one upsert per key, whatever the rate;
 *   <li>device-days ({@code event_daily_devices}) and device registrations ({@code devices}) not yet written. A
 *       device-day already written (with the same model) is not written again, and a device's {@code last_seen_at}
 *       moves at most once per {@link #DEVICE_REFRESH_MILLIS}: a device that polls every few seconds costs one
 *       write a minute, not one per check.
 * </ul>
 * Trade-off: facts are counted once the flush commits (1-10 s later, decision 0029) and a {@code kill -9} loses the
 * facts not yet flushed, where the queue lost whatever it still held. A failed flush puts its counts back for
 * the next one. Devices waiting beyond {@link #MAX_PENDING_DEVICES} (a database down for a long time) are dropped
 * and counted, so memory stays bounded; counters are bounded by the catalog (apps x versions x strategies).
 */
final class FactTally {
    static final long DEVICE_REFRESH_MILLIS = 60_000;
    static final int MAX_PENDING_DEVICES = 500_000;
    /**
     * Device-days and devices remembered as written, each; beyond it a full stripe forgets the half that expires first
     * (for device-days of one day, which all expire together, any half), and those are written again when seen.
     */
    static final int MAX_REMEMBERED = 1_000_000;

    record DailyKey(long appId, long day, String type, long versionCode, long targetVersionCode,
                    long targetVersionId, long strategyId, long resultCode, String platform, String arch) {
        // Written out: a record's own equals and hashCode combine the ten components through a chain of method
        // handles, which the JIT left as calls here (3% of the server's CPU under checks, each of which looks a key up).
        @Override
        public boolean equals(Object o) {
            return o instanceof DailyKey k && appId == k.appId && day == k.day && versionCode == k.versionCode
                    && targetVersionCode == k.targetVersionCode && targetVersionId == k.targetVersionId
                    && strategyId == k.strategyId && resultCode == k.resultCode && Objects.equals(type, k.type)
                    && Objects.equals(platform, k.platform) && Objects.equals(arch, k.arch);
        }

        @Override
        public int hashCode() {
            long h = appId;
            h = h * 31 + day;
            h = h * 31 + versionCode;
            h = h * 31 + targetVersionCode;
            h = h * 31 + targetVersionId;
            h = h * 31 + strategyId;
            h = h * 31 + resultCode;
            h = h * 31 + Objects.hashCode(type);
            h = h * 31 + Objects.hashCode(platform);
            h = h * 31 + Objects.hashCode(arch);
            return Long.hashCode(h);
        }
    }

    record DeviceDay(long appId, long day, String deviceKey) {
    }

    record TenantDevice(long tenantId, String deviceKey) {
    }

    /** A device seen at {@code seenAt} with this model ({@code ""} when the client sent none). */
    record DeviceSeen(long tenantId, String deviceKey, String model, long seenAt) {
        DeviceSeen laterWith(DeviceSeen next) {
            return new DeviceSeen(tenantId, deviceKey, next.model.isEmpty() ? model : next.model,
                    Math.max(seenAt, next.seenAt));
        }
    }

    /** What one flush writes; handed back with {@link #restore} if the flush failed. */
    record Drained(Map<DailyKey, Long> counts, Map<DeviceDay, String> deviceDays, Map<TenantDevice, DeviceSeen> devices) {
        long facts() {
            long n = 0;
            for (long c : counts.values()) {
                n += c;
            }
            return n;
        }

        boolean isEmpty() {
            return counts.isEmpty() && deviceDays.isEmpty() && devices.isEmpty();
        }
    }

    private final ZoneId zone;
    private final ConcurrentHashMap<DailyKey, LongAdder> counts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<DeviceDay, String> pendingDays = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<TenantDevice, DeviceSeen> pendingDevices = new ConcurrentHashMap<>();
    // What is already stored, so that later facts skip it: fingerprints of (app, day, device) and (tenant, device),
    // each with the hash of the model written (decision 0024). Entries expire in fact time: a device-day once its
    // day has ended everywhere, a device DEVICE_REFRESH_MILLIS after the fact that was written.
    private final FingerprintTable writtenDays = FingerprintTable.withValues(MAX_REMEMBERED);
    private final FingerprintTable writtenDevices = FingerprintTable.withValues(MAX_REMEMBERED);
    private final LongAdder dropped = new LongAdder();
    /** The report-zone day of the last fact and its bounds, so that most facts skip the time-zone arithmetic. */
    private volatile DayRange today = new DayRange(0, Long.MIN_VALUE, Long.MIN_VALUE);

    private record DayRange(long day, long startMillis, long endMillis) {
    }

    FactTally(ZoneId zone) {
        this.zone = zone;
    }

    void add(Event fact) {
        long day = day(fact.receivedAt());
        counts.computeIfAbsent(new DailyKey(fact.appId(), day, fact.type(), fact.versionCode(),
                fact.targetVersionCode(), orZero(fact.targetVersionId()), orZero(fact.strategyId()), fact.resultCode(),
                fact.platform(), fact.arch()), k -> new LongAdder()).increment();
        addDevice(fact, day);
    }

    /**
     * Registers the device of a stored report (its counts are already in the report's own transaction): the
     * device-day and the device row follow with the next flush, like those of facts.
     */
    void addDevice(Event report) {
        addDevice(report, day(report.receivedAt()));
    }

    private void addDevice(Event fact, long day) {
        String device = fact.deviceKey();
        if (device.isEmpty()) {
            return;
        }
        String model = fact.deviceModel();
        long at = fact.receivedAt();
        if (!alreadyWritten(writtenDays.get(dayFingerprint(fact.appId(), day, device), at), model)) {
            pendingDays.merge(new DeviceDay(fact.appId(), day, device), model, (old, now) -> now.isEmpty() ? old : now);
        }
        if (!alreadyWritten(writtenDevices.get(deviceFingerprint(fact.tenantId(), device), at), model)) {
            pendingDevices.merge(new TenantDevice(fact.tenantId(), device),
                    new DeviceSeen(fact.tenantId(), device, model, at), DeviceSeen::laterWith);
        }
    }

    /**
     * Written before with this model, or the fact has none (an empty model never overwrites a known one). Two models
     * with one hash would make the second look written: a device-day would keep the older model.
     */
    private static boolean alreadyWritten(long writtenModelHash, String model) {
        return writtenModelHash != FingerprintTable.ABSENT && (model.isEmpty() || writtenModelHash == modelHash(model));
    }

    private long dayFingerprint(long appId, long day, String device) {
        return FingerprintTable.finish(FingerprintTable.mix(FingerprintTable.mix(
                FingerprintTable.mix(writtenDays.seed(), appId), day), device));
    }

    private long deviceFingerprint(long tenantId, String device) {
        return FingerprintTable.finish(FingerprintTable.mix(FingerprintTable.mix(writtenDevices.seed(), tenantId), device));
    }

    /** 0 for no model, else a non-negative hash (never {@link FingerprintTable#ABSENT}). */
    private static long modelHash(String model) {
        return model.isEmpty() ? 0 : Math.max(1, FingerprintTable.finish(FingerprintTable.mix(0, model)) >>> 1);
    }

    /** After the day (a report-zone date) has ended in every zone: midnight UTC two days after its start. */
    private static long endOfDayEverywhere(long day) {
        return (day + 2) * 86_400_000L;
    }

    /** Takes everything added so far; additions that race with it are kept for the next drain, never lost. */
    synchronized Drained drain() {
        Map<DailyKey, Long> c = new HashMap<>();
        long oldest = today.day() - 1;
        counts.forEach((k, adder) -> {
            long n = adder.sumThenReset();
            if (n != 0) {
                c.put(k, n);
            } else if (k.day() < oldest) {
                counts.remove(k, adder); // a day that ended: no more facts will be added to it
            }
        });
        Map<DeviceDay, String> days = new HashMap<>();
        for (DeviceDay k : pendingDays.keySet()) {
            String model = pendingDays.remove(k);
            if (model != null) {
                days.put(k, model);
            }
        }
        Map<TenantDevice, DeviceSeen> devices = new HashMap<>();
        for (TenantDevice k : pendingDevices.keySet()) {
            DeviceSeen seen = pendingDevices.remove(k);
            if (seen != null) {
                devices.put(k, seen);
            }
        }
        return new Drained(c, days, devices);
    }

    /** The drained facts are stored: later facts of the same device-days and devices can be skipped. */
    void committed(Drained d) {
        d.deviceDays().forEach((k, model) -> writtenDays.put(dayFingerprint(k.appId(), k.day(), k.deviceKey()),
                modelHash(model), endOfDayEverywhere(k.day())));
        d.devices().forEach((k, seen) -> writtenDevices.put(deviceFingerprint(k.tenantId(), k.deviceKey()),
                modelHash(seen.model()), seen.seenAt() + DEVICE_REFRESH_MILLIS));
    }

    /** The flush failed: puts the drained facts back for the next one, dropping devices beyond the bound. */
    void restore(Drained d) {
        d.counts().forEach((k, n) -> counts.computeIfAbsent(k, x -> new LongAdder()).add(n));
        d.deviceDays().forEach((k, model) -> {
            if (pendingDays.size() < MAX_PENDING_DEVICES) {
                pendingDays.merge(k, model, (now, old) -> now.isEmpty() ? old : now);
            } else {
                dropped.increment();
            }
        });
        d.devices().forEach((k, seen) -> {
            if (pendingDevices.size() < MAX_PENDING_DEVICES) {
                pendingDevices.merge(k, seen, (now, old) -> old.laterWith(now));
            } else {
                dropped.increment();
            }
        });
    }

    /** Device registrations dropped because the database stayed unreachable (counts are never dropped). */
    long dropped() {
        return dropped.sum();
    }

    /** The report-zone day of an instant, as days since 1970-01-01 (the roll-ups' {@code day}). */
    long day(long epochMillis) {
        DayRange r = today;
        if (epochMillis >= r.startMillis() && epochMillis < r.endMillis()) {
            return r.day();
        }
        long day = EventWriter.day(epochMillis, zone);
        java.time.LocalDate date = java.time.LocalDate.ofEpochDay(day);
        long start = date.atStartOfDay(zone).toInstant().toEpochMilli();
        long end = date.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli();
        today = new DayRange(day, start, end);
        return day;
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }
}
