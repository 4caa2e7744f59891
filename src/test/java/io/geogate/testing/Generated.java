package io.geogate.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.DoublePredicate;
import java.util.function.Function;

/**
 * Property checks as plain JUnit 5 tests, without a framework: {@link #forAll} runs a check over inputs
 * that a generator makes from a seeded {@link Random}, and the {@code *PropertiesTest} classes call it
 * from ordinary {@code @Test} methods. The static generator methods below are the shared building blocks.
 *
 * <p><b>Tries.</b> Each property states its number of tries, sized so that all the properties classes
 * together take well under 30 s on the 2-core build machine. {@code -Dgeogate.tries.scale=N} multiplies
 * every property's tries (default 1). Maven hands {@code -D} user properties on to surefire's test JVM as
 * system properties, so the long run is one flag away:
 * {@code ./mvnw -B test -Dtest='*PropertiesTest' -Dgeogate.tries.scale=100}.
 *
 * <p><b>Seed.</b> Fixed by default ({@link #DEFAULT_SEED}), so that CI checks the same inputs on every run
 * and a red build fails the same way on a developer's machine (as far as a class's fixtures are fixed too:
 * {@code TokenPropertiesTest} makes new keys in each run). {@code -Dgeogate.seed=<long>} checks other
 * inputs; {@code -Dgeogate.seed=random} draws a new seed for each test JVM (use it with a scale for long
 * exploratory runs). Whatever the seed, a failure's message names it, with the property, the try, the
 * failing input (shortened when huge) and the flags that replay it. Try {@code i} of a property draws from
 * its own {@code Random}, seeded from the seed, the property's name and {@code i}: an input depends neither
 * on the scale nor on the other tries or properties, so a replay with the same seed meets it again.
 *
 * <p><b>Shrinking.</b> When a failing input is a {@link String} or a {@link List}, copies with parts removed
 * (halves, then quarters, … down to single characters or elements) are checked again, at most
 * {@value #SHRINK_CHECKS} times, and the smallest that still fails is reported beside the original.
 * Other inputs (records of several values) are reported as generated.
 *
 * <p><b>Generators</b> lean towards the edges of what they make (bounds, empty, longest) as well as
 * covering the whole range, since that is where parsers break.
 */
public final class Generated {

    /** The seed when {@code geogate.seed} is not set. */
    public static final long DEFAULT_SEED = 0x6e06a7eL;

    /** Most re-checks spent on shrinking one failure. */
    public static final int SHRINK_CHECKS = 500;

    /** Longest input description put into a failure message. */
    private static final int MAX_DESCRIPTION = 2_000;

    private static final long SEED = chooseSeed();

    private Generated() {
    }

    /** A check of one input: it passes by returning and fails by throwing (an assertion, or anything else). */
    @FunctionalInterface
    public interface Check<T> {
        void check(T input) throws Exception;
    }

    /** Makes one character from a source of randomness. */
    @FunctionalInterface
    public interface CharSource {
        char next(Random random);
    }

    // ---- running ----

    /** The multiplier of every property's tries: {@code -Dgeogate.tries.scale}, at least 1. */
    public static int scale() {
        return Math.max(1, Integer.getInteger("geogate.tries.scale", 1));
    }

    /** The seed in force for this JVM. */
    public static long seed() {
        return SEED;
    }

    private static long chooseSeed() {
        String value = System.getProperty("geogate.seed", "").strip();
        if (value.isEmpty()) {
            return DEFAULT_SEED;
        }
        if (value.equalsIgnoreCase("random")) {
            return new Random().nextLong();
        }
        try {
            return Long.decode(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("geogate.seed must be a long or \"random\", not " + value, e);
        }
    }

    /**
     * Checks {@code tries × scale()} inputs made by {@code generator}; the first that fails the check fails
     * the test with an {@link AssertionError} naming the seed, the try, the input and how to replay it. The
     * property's name is that of the calling method.
     */
    public static <T> void forAll(int tries, Function<Random, T> generator, Check<T> check) {
        StackWalker.StackFrame caller = caller();
        String property = simpleName(caller.getClassName()) + "#" + caller.getMethodName();
        long total = (long) tries * scale();
        for (long i = 0; i < total; i++) {
            T input;
            try {
                input = generator.apply(new Random(mix(SEED, property.hashCode(), i)));
            } catch (RuntimeException e) {
                throw new AssertionError(property + ": the generator failed at try " + (i + 1) + " of " + total + " with seed " + SEED
                        + " (replay: " + replay(property) + ")", e);
            }
            Throwable failure = failure(check, input);
            if (failure != null) {
                throw report(property, i, total, input, failure, check);
            }
        }
    }

    /**
     * Fails the test unless {@code hits} out of {@code total} checks, as a percentage, satisfy {@code percent}:
     * the generators must reach both sides of a property often enough for it to be able to fail.
     */
    public static void assertCoverage(String what, long hits, long total, DoublePredicate percent) {
        double p = total == 0 ? 0 : 100.0 * hits / total;
        if (!percent.test(p)) {
            StackWalker.StackFrame caller = caller();
            String property = simpleName(caller.getClassName()) + "#" + caller.getMethodName();
            throw new AssertionError(String.format("%s: %d of %d checks (%.1f %%) were %s, outside the share the test expects; "
                    + "seed %d (replay: %s)", property, hits, total, p, what, SEED, replay(property)));
        }
    }

    private static StackWalker.StackFrame caller() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !f.getClassName().equals(Generated.class.getName()))
                .findFirst()).orElseThrow();
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static <T> Throwable failure(Check<T> check, T input) {
        try {
            check.check(input);
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private static <T> AssertionError report(String property, long i, long total, T input, Throwable failure, Check<T> check) {
        StringBuilder message = new StringBuilder()
                .append(property).append(" failed at try ").append(i + 1).append(" of ").append(total)
                .append(" with seed ").append(SEED).append(" (replay: ").append(replay(property)).append(")\n")
                .append("input: ").append(describe(input)).append('\n');
        Throwable reported = failure;
        if (!(failure instanceof VirtualMachineError) && (input instanceof String || input instanceof List<?>)) {
            Shrunk<T> shrunk = shrink(input, failure, check);
            if (shrunk.steps() > 0) {
                message.append("shrunk (").append(shrunk.steps()).append(" steps): ").append(describe(shrunk.input())).append('\n');
                reported = shrunk.failure();
            }
        }
        message.append("failure: ").append(reported);
        AssertionError error = new AssertionError(message.toString(), reported);
        if (reported != failure) {
            error.addSuppressed(failure);
        }
        return error;
    }

    private static String replay(String property) {
        int scale = scale();
        return "./mvnw -B test -Dtest='" + property + "' -Dgeogate.seed=" + SEED
                + (scale > 1 ? " -Dgeogate.tries.scale=" + scale : "");
    }

    /** SplitMix64's finaliser over the seed, the property and the try: well-spread seeds for each try. */
    private static long mix(long seed, int property, long i) {
        long z = seed + 0x9E3779B97F4A7C15L * (((long) property << 32) ^ (i + 1));
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    // ---- shrinking ----

    private record Shrunk<T>(T input, Throwable failure, int steps) {
    }

    @SuppressWarnings("unchecked")
    private static <T> Shrunk<T> shrink(T input, Throwable failure, Check<T> check) {
        T current = input;
        Throwable currentFailure = failure;
        int steps = 0;
        int checks = 0;
        boolean smaller = true;
        while (smaller && checks < SHRINK_CHECKS) {
            smaller = false;
            int size = current instanceof String s ? s.length() : ((List<?>) current).size();
            for (int chunk = Math.max(1, size / 2); chunk >= 1 && !smaller && checks < SHRINK_CHECKS; chunk = chunk == 1 ? 0 : chunk / 2) {
                for (int from = 0; from < size && checks < SHRINK_CHECKS; from += chunk) {
                    T candidate = (T) without(current, from, Math.min(size, from + chunk));
                    checks++;
                    Throwable f = failure(check, candidate);
                    if (f != null && !(f instanceof VirtualMachineError)) {
                        current = candidate;
                        currentFailure = f;
                        steps++;
                        smaller = true;
                        break;
                    }
                }
            }
        }
        return new Shrunk<>(current, currentFailure, steps);
    }

    private static Object without(Object value, int from, int to) {
        if (value instanceof String s) {
            return s.substring(0, from) + s.substring(to);
        }
        List<?> list = (List<?>) value;
        List<Object> out = new ArrayList<>(list.subList(0, from));
        out.addAll(list.subList(to, list.size()));
        return out;
    }

    // ---- describing inputs ----

    /**
     * An input as text for a failure message: strings quoted, controls, surrogates and invisible characters
     * escaped as Java does ({@code \n}, {@code \u0000}), and the middle of anything over 2,000 characters left out.
     */
    public static String describe(Object input) {
        String text = input instanceof String s ? "\"" + escape(s) + "\"" : escape(String.valueOf(input));
        if (text.length() <= MAX_DESCRIPTION) {
            return text;
        }
        int head = MAX_DESCRIPTION * 3 / 4;
        int tail = MAX_DESCRIPTION / 4;
        return text.substring(0, head) + " …(" + (text.length() - head - tail) + " characters left out)… "
                + text.substring(text.length() - tail);
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                default -> {
                    if (visible(c)) {
                        out.append(c);
                    } else {
                        out.append(String.format("\\u%04x", (int) c));
                    }
                }
            }
        }
        return out.toString();
    }

    private static boolean visible(char c) {
        if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || Character.isSurrogate(c)) {
            return false;
        }
        return switch (Character.getType(c)) {
            case Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.UNASSIGNED,
                    Character.PRIVATE_USE, Character.SPACE_SEPARATOR, Character.CONTROL -> c == ' ';
            default -> true;
        };
    }

    // ---- generators ----

    /** An int in {@code [min, max]}: either bound one time in eight each, otherwise uniform. */
    public static int between(Random random, int min, int max) {
        return (int) between(random, (long) min, (long) max);
    }

    /** A long in {@code [min, max]}: either bound one time in eight each, otherwise uniform. */
    public static long between(Random random, long min, long max) {
        if (min >= max) {
            return min;
        }
        return switch (random.nextInt(8)) {
            case 0 -> min;
            case 1 -> max;
            default -> max == Long.MAX_VALUE ? random.nextLong(min, max) : random.nextLong(min, max + 1);
        };
    }

    /** Any int, the edges (0, ±1, the extremes) one time in four. */
    public static int anyInt(Random random) {
        return random.nextInt(4) == 0 ? oneOf(random, 0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE) : random.nextInt();
    }

    /** Any long, the edges (0, ±1, the extremes) one time in four. */
    public static long anyLong(Random random) {
        return random.nextInt(4) == 0 ? oneOf(random, 0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE) : random.nextLong();
    }

    /** True with probability {@code p}. */
    public static boolean chance(Random random, double p) {
        return random.nextDouble() < p;
    }

    /** One of the values, uniformly. */
    @SafeVarargs
    public static <T> T oneOf(Random random, T... values) {
        return values[random.nextInt(values.length)];
    }

    /** One of the values, uniformly. */
    public static <T> T oneOf(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** The index of a weight, chosen in proportion to the weights: {@code switch (weighted(r, 3, 1)) { case 0 -> …; default -> …; }}. */
    public static int weighted(Random random, int... weights) {
        int sum = 0;
        for (int w : weights) {
            sum += w;
        }
        int pick = random.nextInt(sum);
        for (int i = 0; i < weights.length; i++) {
            pick -= weights[i];
            if (pick < 0) {
                return i;
            }
        }
        throw new IllegalStateException();
    }

    /** A size in {@code [min, max]} leaning to the edges: min one time in ten, max one in twenty, small ones often. */
    public static int size(Random random, int min, int max) {
        if (min >= max) {
            return min;
        }
        int roll = random.nextInt(20);
        if (roll < 2) {
            return min;
        }
        if (roll < 3) {
            return max;
        }
        if (roll < 10) {
            return random.nextInt(min, Math.min(max, min + 8) + 1);
        }
        return random.nextInt(min, max + 1);
    }

    /** A list of {@link #size} in {@code [min, max]} of elements made by {@code element}. */
    public static <T> List<T> listOf(Random random, int min, int max, Function<Random, T> element) {
        int n = size(random, min, max);
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(element.apply(random));
        }
        return out;
    }

    /** Up to {@code max} distinct values of {@code pool}, in random order. */
    public static <T> List<T> distinct(Random random, int max, List<T> pool) {
        List<T> shuffled = new ArrayList<>(pool);
        Collections.shuffle(shuffled, random);
        return new ArrayList<>(shuffled.subList(0, size(random, 0, Math.min(max, pool.size()))));
    }

    /** A string of {@link #size} in {@code [min, max]} characters from {@code chars}. */
    public static String string(Random random, int min, int max, CharSource chars) {
        int n = size(random, min, max);
        StringBuilder out = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            out.append(chars.next(random));
        }
        return out.toString();
    }

    /** The characters of {@code alphabet}, uniformly. */
    public static CharSource chars(String alphabet) {
        return random -> alphabet.charAt(random.nextInt(alphabet.length()));
    }

    /** The characters {@code from..to} inclusive, uniformly. */
    public static CharSource range(char from, char to) {
        return random -> (char) random.nextInt(from, to + 1);
    }

    /**
     * Any UTF-16 unit, leaning towards trouble: printable ASCII, ASCII and Latin-1 controls, the rest of the
     * BMP, lone surrogates, and the zero, byte-order-mark, line-separator and non-character units.
     */
    public static char anyChar(Random random) {
        return switch (weighted(random, 4, 2, 2, 1, 1, 2)) {
            case 0 -> (char) random.nextInt(0x20, 0x7f);
            case 1 -> (char) (random.nextBoolean() ? random.nextInt(0, 0x20) : random.nextInt(0x7f, 0xa0));
            case 2 -> (char) random.nextInt(0xa0, 0xd800);
            case 3 -> (char) random.nextInt(0xd800, 0xe000);
            case 4 -> oneOf(random, '\u0000', '\uFEFF', '\u2028', '\u2029', '\u200B', '\uFFFE', '\uFFFF', '\u0085');
            default -> (char) random.nextInt(0x10000);
        };
    }

    /** {@code n} random bytes. */
    public static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** A random IPv4 address. */
    public static InetAddress ipv4(Random random) {
        return address(bytes(random, 4));
    }

    /** A random IPv6 address (possibly IPv4-mapped or compatible only by chance). */
    public static InetAddress ipv6(Random random) {
        return address(bytes(random, 16));
    }

    /** The address of these 4 or 16 bytes, without any name lookup. */
    public static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
