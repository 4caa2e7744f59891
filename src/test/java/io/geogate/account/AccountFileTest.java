package io.geogate.account;

import io.geogate.country.CountryCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class AccountFileTest {

    private static final String[] HOMES = {"PK", "DE", "GB", "US", "ZW"};

    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        return bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    private Path bytes(byte[] content) throws IOException {
        Path file = dir.resolve("accounts-" + System.nanoTime() + ".csv");
        Files.write(file, content);
        return file;
    }

    private static CountryCode home(String code) {
        return new CountryCode(code);
    }

    @Test
    void homesAreFoundAndUnknownAccountsAreNot() throws Exception {
        CompactDirectory d = AccountFile.load(csv("account,home\nalice,PK\nbob,de\n\n# comment\n carol , GB \n"));
        assertThat(d.home("alice")).contains(home("PK"));
        assertThat(d.home("bob")).contains(home("DE"));
        assertThat(d.home("carol")).contains(home("GB"));
        assertThat(d.home("mallory")).isEmpty();
        assertThat(d.home("Alice")).isEmpty();
        assertThat(d.home("alic")).isEmpty();
        assertThat(d.home("alicea")).isEmpty();
        assertThat(d.size()).isEqualTo(3);
    }

    @Test
    void manyAccountsAreAllFound() throws Exception {
        StringBuilder text = new StringBuilder("account,home\n");
        for (int i = 0; i < 100_000; i++) {
            text.append("user-").append(i).append(',').append(HOMES[i % HOMES.length]).append('\n');
        }
        CompactDirectory d = AccountFile.load(csv(text.toString()));
        assertThat(d.size()).isEqualTo(100_000);
        assertUsersUpTo(d, 100_000);
        assertThat(d.home("user-100000")).isEmpty();
        assertThat(d.home("user-")).isEmpty();
    }

    @Test
    void lineEndingsOfEveryKindAreAccepted() throws Exception {
        // LF, CRLF and a lone CR each end a line, as BufferedReader.readLine has always read them.
        CompactDirectory d = AccountFile.load(csv("account,home\r\nalice,PK\r\nbob,DE\rcarol,GB\n\r\ndave,US"));
        assertThat(d.home("alice")).contains(home("PK"));
        assertThat(d.home("bob")).contains(home("DE"));
        assertThat(d.home("carol")).contains(home("GB"));
        assertThat(d.home("dave")).contains(home("US"));
        assertThat(d.size()).isEqualTo(4);
    }

    @Test
    void nonAsciiIdsRoundTripByTheirExactCharacters() throws Exception {
        CompactDirectory d = AccountFile.load(csv("account,home\nмария,RU\n用户,CN\n\uD83D\uDE00x,US\n\u00C5sa,SE\n\u0085c1,FR\n"));
        assertThat(d.home("мария")).contains(home("RU"));
        assertThat(d.home("用户")).contains(home("CN"));
        assertThat(d.home("\uD83D\uDE00x")).contains(home("US"));
        assertThat(d.home("\u00C5sa")).contains(home("SE"));
        assertThat(d.home("\u0085c1")).contains(home("FR"));
        // The same text spelled with a combining ring is another id: ids are compared exactly, not normalised.
        assertThat(d.home("A\u030Asa")).isEmpty();
        assertThat(d.home("МАРИЯ")).isEmpty();
        // Half of a surrogate pair can never be in a UTF-8 file, and must not match anything.
        assertThat(d.home("\uD83Dx")).isEmpty();
        assertThat(d.home("\uD83D")).isEmpty();
        assertThat(d.home("?x")).isEmpty();
    }

    @Test
    void badLinesRefuseTheWholeFileNamingEachLine() throws Exception {
        AccountFileException e = catchThrowableOfType(AccountFileException.class,
                () -> AccountFile.load(csv("account,home\nalice,PK\nbob,XX\ncarol\ndave,DE,extra\n,GB\n")));
        assertThat(e.errors()).containsExactly(
                "line 3: home 'XX' is not an ISO 3166-1 alpha-2 country code",
                "line 4: expected two fields 'account,home'",
                "line 5: expected two fields 'account,home'",
                "line 6: account id must be 1..256 visible characters");
    }

    @Test
    void aHomeMustBeTwoAsciiLetters() throws Exception {
        // Character.toUpperCase('ı') is 'I': a home spelled with a dotless i must not pass for IT.
        AccountFileException e = catchThrowableOfType(AccountFileException.class,
                () -> AccountFile.load(csv("account,home\nalice,\u0131t\n")));
        assertThat(e.errors()).singleElement().asString().startsWith("line 2: home ");
    }

    @Test
    void idsOfTheMaximumLengthLoadAndLongerOnesAreRefused() throws Exception {
        String longest = "\uD83D\uDE00".repeat(AccountId.MAX_LENGTH / 2);
        CompactDirectory d = AccountFile.load(csv("account,home\n" + longest + ",PK\n" + "a".repeat(AccountId.MAX_LENGTH) + ",DE\n"));
        assertThat(d.home(longest)).contains(home("PK"));
        assertThat(d.home("a".repeat(AccountId.MAX_LENGTH))).contains(home("DE"));
        AccountFileException e = catchThrowableOfType(AccountFileException.class,
                () -> AccountFile.load(csv("account,home\n" + "é".repeat(AccountId.MAX_LENGTH + 1) + ",PK\n")));
        assertThat(e.errors()).containsExactly("line 2: account id must be 1..256 visible characters");
    }

    @Test
    void missingHeaderIsRefused() throws Exception {
        AccountFileException e = catchThrowableOfType(AccountFileException.class, () -> AccountFile.load(csv("alice,PK\n")));
        assertThat(e.errors()).singleElement().asString().contains("header");
        AccountFileException empty = catchThrowableOfType(AccountFileException.class, () -> AccountFile.load(csv("")));
        assertThat(empty.errors()).singleElement().asString().startsWith("line 1:").contains("header");
    }

    @Test
    void duplicateAccountIsRefused() throws Exception {
        AccountFileException e = catchThrowableOfType(AccountFileException.class,
                () -> AccountFile.load(csv("account,home\nalice,PK\nbob,DE\n\nalice,GB\n")));
        assertThat(e.errors()).singleElement().asString().contains("line 5").contains("alice");
    }

    /** Bytes that Java's strict UTF-8 decoder refuses: a stray byte, overlong, surrogate, beyond U+10FFFF, cut short. */
    @ParameterizedTest
    @ValueSource(strings = {"ff", "c0af", "eda080", "f4908080", "e282", "80", "f8888080"})
    void malformedUtf8IsRefusedNamingTheLine(String hex) throws Exception {
        byte[] bad = HexFormat.of().parseHex(hex);
        byte[] head = "account,home\nalice,PK\nb".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "b,DE\ncarol,GB\n".getBytes(StandardCharsets.UTF_8);
        byte[] content = new byte[head.length + bad.length + tail.length];
        System.arraycopy(head, 0, content, 0, head.length);
        System.arraycopy(bad, 0, content, head.length, bad.length);
        System.arraycopy(tail, 0, content, head.length + bad.length, tail.length);
        AccountFileException e = catchThrowableOfType(AccountFileException.class, () -> AccountFile.load(bytes(content)));
        assertThat(e).as("refused as an account file error, not an I/O error").isNotNull();
        assertThat(e.errors()).singleElement().asString().startsWith("line 3:").contains("UTF-8");
    }

    @Test
    void malformedUtf8InACommentIsRefusedToo() throws Exception {
        byte[] content = "account,home\n# caf\u00e9\nalice,PK\n".getBytes(StandardCharsets.ISO_8859_1);
        AccountFileException e = catchThrowableOfType(AccountFileException.class, () -> AccountFile.load(bytes(content)));
        assertThat(e.errors()).singleElement().asString().startsWith("line 2:").contains("UTF-8");
    }

    @Test
    void anEndlessLineIsRefusedAtTheCapWithoutReadingOn() throws Exception {
        // A file that claims 256 MiB, all of it one line after the header: the old reader built it into a String.
        SyntheticFile endless = new SyntheticFile("account,home\nalice,".getBytes(StandardCharsets.UTF_8), 256L << 20);
        Path file = csv("");
        AccountFileException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> catchThrowableOfType(AccountFileException.class, () -> AccountFile.load(file, f -> endless)));
        assertThat(e.errors()).singleElement().asString().startsWith("line 2:").contains("longer than");
        assertThat(endless.served.get()).as("bytes read").isLessThan(1 << 20);
    }

    @Test
    void aFifoIsRefusedWithoutWaitingForAWriter() throws Exception {
        Path fifo = dir.resolve("accounts.fifo");
        int made;
        try {
            made = new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        } catch (IOException noMkfifo) {
            made = -1;
        }
        assumeTrue(made == 0, "mkfifo is available");
        AccountFileException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> catchThrowableOfType(AccountFileException.class, () -> AccountFile.load(fifo)));
        assertThat(e.errors()).singleElement().asString().contains("not a regular file");
    }

    private static String lines(int from, int count) {
        StringBuilder text = new StringBuilder();
        for (int i = from; i < from + count; i++) {
            text.append("user-").append(i).append(',').append(HOMES[i % HOMES.length]).append('\n');
        }
        return text.toString();
    }

    /** Every {@code user-i} below {@code n} has its home; checked cheaply, asserted only on a mismatch. */
    private static void assertUsersUpTo(CompactDirectory d, int n) {
        for (int i = 0; i < n; i++) {
            Optional<CountryCode> expected = Optional.of(home(HOMES[i % HOMES.length]));
            if (!d.home("user-" + i).equals(expected)) {
                assertThat(d.home("user-" + i)).as("user-%d of %d", i, n).isEqualTo(expected);
            }
        }
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardOpenOption.APPEND);
    }

    @Test
    void theFileIsOpenedOnceSoGrowingBetweenOpensCannotOverflowTheTable() throws Exception {
        Path file = csv("account,home\nalice,PK\n");
        AtomicInteger opens = new AtomicInteger();
        // Each later open first makes the file much longer: the old loader sized its table from one
        // read and filled it from a second, and spun for ever once the table was full.
        AccountFile.Source growing = f -> {
            if (opens.incrementAndGet() > 1) {
                append(f, lines(0, 1000));
            }
            return Files.newByteChannel(f);
        };
        CompactDirectory d = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> AccountFile.load(file, growing));
        assertThat(opens).hasValue(1);
        assertThat(d.size()).isEqualTo(1);
        assertThat(d.home("alice")).contains(home("PK"));
        assertThat(d.home("user-0")).isEmpty();
    }

    @Test
    void aFileThatGrowsWhileItIsReadIsRefusedInBoundedTime() throws Exception {
        Path file = csv("account,home\nalice,PK\n");
        AtomicInteger batch = new AtomicInteger();
        // After the first read from each channel, a thousand more lines are appended.
        AccountFile.Source growing = f -> new AppendAfterFirstRead(Files.newByteChannel(f),
                () -> append(f, lines(1000 * batch.getAndIncrement(), 1000)));
        AccountFileException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> catchThrowableOfType(AccountFileException.class, () -> AccountFile.load(file, growing)));
        assertThat(e).as("refused").isNotNull();
        assertThat(e.errors()).singleElement().asString().contains("changed while it was read");
    }

    @Test
    void aFileAppendedToConcurrentlyLoadsOneWholeVersionOrIsRefused() throws Exception {
        Path file = csv("account,home\n");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        Thread writer = new Thread(() -> {
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.APPEND)) {
                for (int i = 0; i < 300_000 && !stop.get(); i++) {
                    out.write(ByteBuffer.wrap(lines(i, 1).getBytes(StandardCharsets.UTF_8)));
                    written.set(i + 1);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, "account-file-writer");
        writer.start();
        AtomicInteger loaded = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                for (int run = 0; run < 40; run++) {
                    CompactDirectory d;
                    try {
                        d = AccountFile.load(file);
                    } catch (AccountFileException e) {
                        refused.incrementAndGet();
                        continue;
                    }
                    loaded.incrementAndGet();
                    // A loaded directory is one state the writer left: its first n lines, every one whole.
                    int n = d.size();
                    assertUsersUpTo(d, n);
                    assertThat(d.home("user-" + n)).as("user-%d of %d", n, n).isEmpty();
                }
            });
        } finally {
            stop.set(true);
            writer.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertThat(loaded.get() + refused.get()).isEqualTo(40);
        // Once the writer has stopped, the file loads whole.
        assertThat(AccountFile.load(file).size()).isEqualTo((int) written.get());
    }

    /** A channel that appends to its file once, right after the first read that returned bytes. */
    private static final class AppendAfterFirstRead implements SeekableByteChannel {
        interface Append {
            void run() throws IOException;
        }

        private final SeekableByteChannel in;
        private final Append append;
        private boolean appended;

        AppendAfterFirstRead(SeekableByteChannel in, Append append) {
            this.in = in;
            this.append = append;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            int n = in.read(dst);
            if (n > 0 && !appended) {
                appended = true;
                append.run();
            }
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() throws IOException {
            return in.position();
        }

        @Override
        public SeekableByteChannel position(long newPosition) throws IOException {
            in.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return in.size();
        }

        @Override
        public SeekableByteChannel truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isOpen() {
            return in.isOpen();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** A read-only file of {@code size} bytes made up as it is read: {@code head}, then the letter a. */
    private static final class SyntheticFile implements SeekableByteChannel {
        private final byte[] head;
        private final long size;
        final AtomicLong served = new AtomicLong();
        private long position;
        private boolean open = true;

        SyntheticFile(byte[] head, long size) {
            this.head = head;
            this.size = size;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), size - position);
            for (int i = 0; i < n; i++, position++) {
                dst.put(position < head.length ? head[(int) position] : (byte) 'a');
            }
            served.addAndGet(n);
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public SeekableByteChannel position(long newPosition) {
            position = newPosition;
            return this;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public SeekableByteChannel truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
