package dev.upshift.server.auth;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file of the {@link NonceJournal}: the record format, reading a file back, and the shared mapping records are
 * appended through.
 *
 * <h2>Format</h2>
 * A file {@code segment-<n>.log} ({@code n} counting up, 12 digits) has a fixed size and is filled with zeros when
 * created: real blocks rather than a sparse file, so a full disk shows as an {@link IOException} there and not as
 * SIGBUS on a later store into the mapping. It starts with the 8 bytes {@code UPNONCE1}. Records follow, big-endian:
 * {@code int length} (the bytes after this field), {@code long expiresAt} (epoch ms), {@code short} + UTF-8 access
 * key, {@code short} + UTF-8 nonce, {@code int} CRC32C of everything before it in the record, the length included.
 * A length of 0 (the zeros) ends the file.
 *
 * <h2>Reading back</h2>
 * {@link #scan} stops at the first record whose length is out of range or whose CRC does not match. That is the torn
 * tail a {@code kill -9} in the middle of a copy can leave: it was never acknowledged. Records are copied in order
 * under one lock, so only the last can be torn.
 *
 * <p>Thread safety: an instance's mutable state is guarded by the journal's append lock; {@link #force} may run
 * concurrently with appends; {@link #release} only once nobody touches the mapping any more.
 */
final class NonceSegment {
    private static final Logger LOG = LoggerFactory.getLogger(NonceSegment.class);
    private static final byte[] MAGIC = "UPNONCE1".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER_BYTES = MAGIC.length;
    /** The bytes after the length field of a record with empty strings: expiry, two lengths, CRC. */
    private static final int MIN_BODY = 8 + 2 + 2 + 4;
    private static final Pattern NAME = Pattern.compile("segment-(\\d{12})\\.log");
    private static final int ZEROS_CHUNK = 64 * 1024;
    private static final MethodHandle INVOKE_CLEANER = findInvokeCleaner();

    final Path file;
    private final FileChannel channel;
    private final MappedByteBuffer map;
    private int position = HEADER_BYTES;
    private long newestExpiresAt = Long.MIN_VALUE;

    /** Receives the records {@link #scan} loads. */
    interface Loader {
        void load(String accessKey, String nonce, long expiresAt);
    }

    /**
     * What {@link #scan} found: how many intact records, the newest expiry among them ({@link Long#MIN_VALUE} for
     * none), and where a torn or corrupt record starts (-1 if the file ends cleanly).
     */
    record Scan(int records, long newestExpiresAt, int tornAt) {
        static final Scan EMPTY = new Scan(0, Long.MIN_VALUE, -1);
    }

    private NonceSegment(Path file, FileChannel channel, MappedByteBuffer map) {
        this.file = file;
        this.channel = channel;
        this.map = map;
    }

    static String name(long sequence) {
        return String.format("segment-%012d.log", sequence);
    }

    /** The sequence number in a segment's file name, or -1 if the file is not a segment. */
    static long sequenceOf(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** One record, ready to be copied into a segment (encoded outside the journal's lock). */
    static byte[] encode(String accessKey, String nonce, long expiresAt) {
        byte[] key = accessKey.getBytes(StandardCharsets.UTF_8);
        byte[] value = nonce.getBytes(StandardCharsets.UTF_8);
        if (key.length > 0xFFFF || value.length > 0xFFFF) {
            throw new IllegalArgumentException("access key (" + key.length + " B) or nonce (" + value.length
                    + " B) too long for a nonce journal record");
        }
        int body = MIN_BODY + key.length + value.length;
        ByteBuffer b = ByteBuffer.allocate(4 + body);
        b.putInt(body).putLong(expiresAt)
                .putShort((short) key.length).put(key)
                .putShort((short) value.length).put(value);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /**
     * Creates, fills with zeros and maps a new segment, and makes its name durable.
     *
     * @throws IOException if it cannot (the partly created file is removed)
     */
    static NonceSegment create(Path dir, long sequence, int bytes) throws IOException {
        Path file = dir.resolve(name(sequence));
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            ByteBuffer zeros = ByteBuffer.allocate(ZEROS_CHUNK);
            for (long at = 0; at < bytes; ) {
                zeros.clear().limit((int) Math.min(ZEROS_CHUNK, bytes - at));
                at += channel.write(zeros, at);
            }
            MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes);
            map.put(0, MAGIC);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // the new name survives an OS crash
            }
            return new NonceSegment(file, channel, map);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            deleteQuietly(file);
            throw e;
        }
    }

    boolean fits(int length) {
        return map.capacity() - position >= length;
    }

    boolean isHalfFull() {
        return position > map.capacity() / 2;
    }

    long newestExpiresAt() {
        return newestExpiresAt;
    }

    /** Copies the record into the mapping: from then on it is in the page cache and survives kill -9. */
    void append(byte[] record, long expiresAt) {
        map.put(position, record);
        position += record.length;
        newestExpiresAt = Math.max(newestExpiresAt, expiresAt);
    }

    /** Writes the mapping's dirty pages to disk. */
    void force() {
        map.force();
    }

    /** Unmaps and closes. The caller guarantees that nobody touches the mapping any more. */
    void release() {
        unmap(map);
        closeQuietly(channel);
    }

    /**
     * Reads a segment up to its first bad record and hands each record expiring after {@code now} to {@code loader}.
     *
     * @throws IllegalStateException if the file is not in this format (written by a newer version)
     */
    static Scan scan(Path file, long now, Loader loader) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < HEADER_BYTES) {
                return Scan.EMPTY;
            }
            if (size > Integer.MAX_VALUE) {
                throw new IllegalStateException("Nonce journal segment " + file + " is " + size
                        + " bytes, larger than any segment this version writes");
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            try {
                return scan(file, map, now, loader);
            } finally {
                unmap(map);
            }
        }
    }

    private static Scan scan(Path file, ByteBuffer map, long now, Loader loader) {
        byte[] header = new byte[HEADER_BYTES];
        map.get(0, header);
        if (!Arrays.equals(header, MAGIC)) {
            if (isUnfinishedHeader(header)) {
                return Scan.EMPTY; // a crash while the segment was being prepared
            }
            throw new IllegalStateException("Nonce journal segment " + file + " has an unknown format (it does not "
                    + "start with UPNONCE1), probably written by a newer Upshift. Run that version, or move the "
                    + "nonces directory away (replays of requests from the last 10 minutes could then be accepted "
                    + "once)");
        }
        int limit = map.capacity();
        int p = HEADER_BYTES;
        int records = 0;
        long newest = Long.MIN_VALUE;
        CRC32C crc = new CRC32C();
        while (p <= limit - 4) {
            int body = map.getInt(p);
            if (body == 0) {
                return new Scan(records, newest, -1);
            }
            if (body < MIN_BODY || body > limit - p - 4) {
                return new Scan(records, newest, p);
            }
            crc.reset();
            crc.update(map.slice(p, body));
            int keyLength = map.getShort(p + 12) & 0xFFFF;
            int valueAt = p + 14 + keyLength;
            if ((int) crc.getValue() != map.getInt(p + body)
                    || MIN_BODY + keyLength > body
                    || MIN_BODY + keyLength + (map.getShort(valueAt) & 0xFFFF) != body) {
                return new Scan(records, newest, p);
            }
            long expiresAt = map.getLong(p + 4);
            records++;
            newest = Math.max(newest, expiresAt);
            if (expiresAt > now) {
                loader.load(utf8(map, p + 14, keyLength), utf8(map, valueAt + 2, map.getShort(valueAt) & 0xFFFF),
                        expiresAt);
            }
            p += 4 + body;
        }
        return new Scan(records, newest, -1);
    }

    /** The start of {@code UPNONCE1} (possibly none of it), then zeros: the header of a segment cut short. */
    private static boolean isUnfinishedHeader(byte[] header) {
        int i = 0;
        while (i < HEADER_BYTES && header[i] == MAGIC[i]) {
            i++;
        }
        while (i < HEADER_BYTES && header[i] == 0) {
            i++;
        }
        return i == HEADER_BYTES;
    }

    private static String utf8(ByteBuffer map, int at, int length) {
        byte[] bytes = new byte[length];
        map.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Unmaps now rather than when the buffer is garbage-collected: a deleted segment's disk space is freed only once
     * it is unmapped, and old buffers may sit in the old generation for hours. Java 17 has no public API for it;
     * {@code sun.misc.Unsafe.invokeCleaner} is the one Lucene and others use. Without it, the GC unmaps.
     */
    private static void unmap(MappedByteBuffer map) {
        if (INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invokeExact((ByteBuffer) map);
        } catch (Throwable e) {
            LOG.debug("cannot unmap a nonce journal segment, the GC will: {}", e.toString());
        }
    }

    private static MethodHandle findInvokeCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field field = unsafeClass.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(field.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.info("segments of the nonce journal will be unmapped by the GC ({})", e.toString());
            return null;
        }
    }

    static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing {} failed: {}", channel, e.toString());
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", file, e.toString());
        }
    }
}
