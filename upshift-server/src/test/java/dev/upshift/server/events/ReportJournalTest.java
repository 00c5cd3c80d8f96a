package dev.upshift.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report journal's files on a real file system: read-back, torn tails, corruption, rotation and deletion. */
class ReportJournalTest {
    @TempDir
    Path dir;

    static Event report(int i) {
        return new Event(3, 7, Event.UPGRADE, 1_000 + i, 2_000 + i, i % 2 == 0 ? "id-" + i : null, 10 + i, 20 + i,
                i % 3 == 0 ? null : 30L + i, i % 5 == 0 ? null : 40L + i, i - 2, "device-" + i, "model-é-" + i,
                "linux", "x86_64");
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.sorted().toList();
        }
    }

    @Test
    void everyFieldOfAnEventSurvivesEncoding() {
        for (int i = 0; i < 30; i++) {
            assertThat(ReportJournal.decode(ReportJournal.encode(report(i)))).isEqualTo(report(i));
        }
    }

    @Test
    void recordsAboveTheAppliedMarkAreReadBackInOrder() throws IOException {
        try (ReportJournal journal = ReportJournal.open(dir, 0)) {
            for (int i = 1; i <= 5; i++) {
                assertThat(journal.append(ReportJournal.encode(report(i)))).isEqualTo(i);
            }
        }
        try (ReportJournal journal = ReportJournal.open(dir, 2)) {
            assertThat(journal.unapplied()).extracting(ReportJournal.Journaled::sequence).containsExactly(3L, 4L, 5L);
            assertThat(journal.unapplied()).extracting(ReportJournal.Journaled::event)
                    .containsExactly(report(3), report(4), report(5));
            // numbering goes on after the last record, never reusing one a restart could mistake for applied
            assertThat(journal.append(ReportJournal.encode(report(6)))).isEqualTo(6);
        }
    }

    @Test
    void numberingStartsAboveTheMarkWhenEveryFileWasDeleted() throws IOException {
        try (ReportJournal journal = ReportJournal.open(dir, 500)) {
            assertThat(journal.unapplied()).isEmpty();
            assertThat(journal.append(ReportJournal.encode(report(1)))).isEqualTo(501);
        }
    }

    @Test
    void aTornTailIsIgnoredAndNothingIsWrittenAfterIt() throws IOException {
        try (ReportJournal journal = ReportJournal.open(dir, 0)) {
            appendReports(journal, 3);
        }
        Path file = files().get(0);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 5); // the third record cut by a kill -9 in the middle of its write
        }
        long tornSize = Files.size(file);
        try (ReportJournal journal = ReportJournal.open(dir, 0)) {
            assertThat(journal.unapplied()).extracting(ReportJournal.Journaled::sequence).containsExactly(1L, 2L);
            assertThat(journal.append(ReportJournal.encode(report(9)))).isEqualTo(3);
        }
        assertThat(Files.size(file)).as("the torn file is not appended to").isEqualTo(tornSize);
        assertThat(files()).hasSize(2);
        try (ReportJournal journal = ReportJournal.open(dir, 0)) {
            assertThat(journal.unapplied()).extracting(ReportJournal.Journaled::event)
                    .containsExactly(report(1), report(2), report(9));
        }
    }

    @Test
    void aCorruptRecordEndsTheFileThere() throws IOException {
        try (ReportJournal journal = ReportJournal.open(dir, 0)) {
            appendReports(journal, 3);
        }
        Path file = files().get(0);
        byte[] bytes = Files.readAllBytes(file);
        int second = 8 + 4 + java.nio.ByteBuffer.wrap(bytes, 8, 4).getInt();
        bytes[second + 20] ^= 0x40; // a flipped bit inside the second record's event
        Files.write(file, bytes);
        try (ReportJournal journal = ReportJournal.open(dir, 0)) {
            assertThat(journal.unapplied()).extracting(ReportJournal.Journaled::sequence).containsExactly(1L);
        }
    }

    @Test
    void theWriterStartsTheNextFileNeverAnAppend() throws IOException {
        try (ReportJournal journal = ReportJournal.open(dir, 0, 1024)) {
            journal.rotateIfDue();
            assertThat(journal.files()).as("not full yet").isEqualTo(1);
            int appended = 0;
            while (Files.size(files().get(0)) < 4096) {
                journal.append(ReportJournal.encode(report(++appended)));
            }
            assertThat(journal.files()).as("appends past the size leave the rotation to the writer").isEqualTo(1);
            journal.rotateIfDue();
            assertThat(journal.files()).isEqualTo(2);
            Path first = files().get(0);
            long firstSize = Files.size(first);
            journal.append(ReportJournal.encode(report(++appended)));
            assertThat(Files.size(first)).as("the next record goes to the new file").isEqualTo(firstSize);
            journal.applied(appended - 1);
            assertThat(files()).as("the first file, all applied, is deleted").hasSize(1);
            journal.close(appended);
        }
        assertThat(files()).isEmpty();
    }

    @Test
    void aWriteThatFailsPartWayRefusesAppendsUntilTheWriterStartsANewFile() throws IOException {
        List<FailingChannel> opened = new java.util.ArrayList<>();
        try (ReportJournal journal = ReportJournal.open(dir, 0, 1 << 20, file -> {
            FailingChannel c = new FailingChannel(FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE));
            opened.add(c);
            return c;
        })) {
            appendReports(journal, 10);
            opened.get(0).failNextWrite = true;
            assertThatThrownBy(() -> journal.append(ReportJournal.encode(report(11))))
                    .isInstanceOf(IOException.class).hasMessageContaining("No space left");
            // The file now ends in a torn record, where reading stops: nothing may follow it there.
            assertThatThrownBy(() -> journal.append(ReportJournal.encode(report(11))))
                    .isInstanceOf(IOException.class).hasMessageContaining("waiting for a new file");
            journal.rotateIfDue();
            assertThat(opened).hasSize(2);
            for (int i = 11; i <= 30; i++) {
                assertThat(journal.append(ReportJournal.encode(report(i)))).isEqualTo(i);
            }
        }
        try (ReportJournal journal = ReportJournal.open(dir, 0)) {
            assertThat(journal.unapplied()).extracting(ReportJournal.Journaled::sequence)
                    .as("every acknowledged record, none lost behind the torn one")
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 30).boxed().toList());
            assertThat(journal.unapplied().get(10).event()).isEqualTo(report(11));
        }
    }

    /** A file channel whose next positional write, once armed, writes five bytes and fails, as a full disk can. */
    private static final class FailingChannel extends FileChannel {
        private final FileChannel file;
        volatile boolean failNextWrite;

        FailingChannel(FileChannel file) {
            this.file = file;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (failNextWrite) {
                failNextWrite = false;
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + 5);
                src.position(src.position() + file.write(part, position));
                throw new IOException("No space left on device");
            }
            return file.write(src, position);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return file.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return file.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return file.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return file.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return file.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            file.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return file.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            file.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            file.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return file.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return file.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return file.read(dst, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return file.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return file.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return file.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            file.close();
        }
    }

    @Test
    void rotationsRacingAppendsLoseNothing() throws Exception {
        try (ReportJournal journal = ReportJournal.open(dir, 0, 4096)) {
            Thread forcer = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    journal.forceIfDue();
                    journal.rotateIfDue();
                }
            });
            forcer.start();
            for (int i = 1; i <= 2_000; i++) {
                assertThat(journal.append(ReportJournal.encode(report(i)))).isEqualTo(i);
            }
            forcer.interrupt();
            forcer.join();
            journal.close(0);
        }
        try (ReportJournal journal = ReportJournal.open(dir, 0, 4096)) {
            assertThat(journal.unapplied()).extracting(ReportJournal.Journaled::sequence)
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 2_000).boxed().toList());
            journal.close(2_000);
        }
    }

    @Test
    void fullFilesRotateAndAreDeletedOnceApplied() throws IOException {
        try (ReportJournal journal = ReportJournal.open(dir, 0, 1024)) {
            for (int i = 1; i <= 60; i++) {
                journal.append(ReportJournal.encode(report(i)));
                journal.rotateIfDue();
            }
            int before = journal.files();
            assertThat(before).isGreaterThan(4);
            assertThat(files()).hasSize(before);
            journal.applied(30);
            assertThat(journal.files()).isLessThan(before).isGreaterThan(1);
            assertThat(files()).hasSize(journal.files());
            journal.close(59);
            assertThat(files()).as("a record is still unapplied").isNotEmpty();
        }
        try (ReportJournal journal = ReportJournal.open(dir, 30, 1024)) {
            assertThat(journal.unapplied()).extracting(ReportJournal.Journaled::sequence)
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(31, 60).boxed().toList());
            journal.close(60);
        }
        assertThat(files()).as("a clean stop with everything applied leaves no file").isEmpty();
    }

    @Test
    void aFileOfAnotherFormatStopsTheStartWithAReason() throws IOException {
        Files.writeString(dir.resolve("journal-000000000000.log"), "UPREPRT9 something newer");
        assertThatThrownBy(() -> ReportJournal.open(dir, 0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("unknown format");
    }

    @Test
    void aClosedJournalRefusesAppends() {
        ReportJournal journal = ReportJournal.open(dir, 0);
        journal.close();
        assertThatThrownBy(() -> journal.append(ReportJournal.encode(report(1))))
                .isInstanceOf(IOException.class).hasMessageContaining("closed");
    }

    /** Appends reports 1 to {@code count}. */
    private static void appendReports(ReportJournal journal, int count) throws IOException {
        for (int i = 1; i <= count; i++) {
            journal.append(ReportJournal.encode(report(i)));
        }
    }

}
