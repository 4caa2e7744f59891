import com.maxmind.db.DatabaseRecord;
import com.maxmind.db.Reader;

import java.io.File;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Samples client addresses for bench/compare.sh from an MMDB file: {@code count} addresses, of which
 * {@code refusedPercent} percent lie in networks of the refused country and the rest are spread over
 * every other country the file knows (round robin over countries, a random network of that country,
 * a random address in it); about one in ten is IPv6. Deterministic for a given seed.
 *
 * <p>A single-file program, run with the maxmind-db jar that geogate ships:
 * {@code java -cp target/quarkus-app/lib/main/com.maxmind.db.maxmind-db-*.jar bench/compare/SampleAddresses.java
 * geo-data/geo-whois-asn-country.mmdb 1000 10 PK 42}. Prints {@code address country} lines.
 */
public final class SampleAddresses {

    public static void main(String[] args) throws Exception {
        File file = new File(args[0]);
        int count = Integer.parseInt(args[1]);
        int refusedPercent = Integer.parseInt(args[2]);
        String refused = args[3];
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[4]));

        // Networks per country, IPv4 and IPv6 apart.
        Map<String, List<DatabaseRecord<Map>>> v4 = new TreeMap<>();
        Map<String, List<DatabaseRecord<Map>>> v6 = new TreeMap<>();
        try (Reader reader = new Reader(file)) {
            for (var it = reader.networks(Map.class); it.hasNext(); ) {
                DatabaseRecord<Map> record = it.next();
                String country = countryOf(record.data());
                if (country == null) {
                    continue;
                }
                boolean ipv4 = record.network().networkAddress() instanceof Inet4Address;
                (ipv4 ? v4 : v6).computeIfAbsent(country, c -> new ArrayList<>()).add(record);
            }
        }
        if (!v4.containsKey(refused)) {
            throw new IllegalStateException("no IPv4 network of " + refused + " in " + file);
        }
        List<String> others = new ArrayList<>(v4.keySet());
        others.remove(refused);

        int refusedCount = Math.round(count * refusedPercent / 100f);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String country = i < refusedCount ? refused : others.get((i - refusedCount) % others.size());
            boolean ipv6 = i % 10 == 9 && v6.containsKey(country);
            List<DatabaseRecord<Map>> networks = (ipv6 ? v6 : v4).get(country);
            DatabaseRecord<Map> network = networks.get(random.nextInt(networks.size()));
            lines.add(randomIn(network, random).getHostAddress() + " " + country);
        }
        // Shuffled so that the refused addresses are spread through the rotation.
        for (int i = lines.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            String t = lines.get(i);
            lines.set(i, lines.get(j));
            lines.set(j, t);
        }
        lines.forEach(System.out::println);
        System.err.printf("%d addresses, %d in %s, %d countries in all%n", count, refusedCount, refused,
                Math.min(others.size(), count - refusedCount) + 1);
    }

    /** The flat {@code country_code} schema or GeoIP2's {@code country.iso_code}. */
    private static String countryOf(Map<?, ?> data) {
        if (data == null) {
            return null;
        }
        Object flat = data.get("country_code");
        if (flat instanceof String s && s.length() == 2) {
            return s;
        }
        if (data.get("country") instanceof Map<?, ?> country && country.get("iso_code") instanceof String s) {
            return s;
        }
        return null;
    }

    /** A random host address inside the record's network (not its first or last address). */
    private static InetAddress randomIn(DatabaseRecord<Map> record, SplittableRandom random) throws Exception {
        byte[] base = record.network().networkAddress().getAddress();
        int hostBits = base.length * 8 - record.network().prefixLength();
        byte[] address = base.clone();
        // Randomise at most the low 24 host bits: plenty of spread, and never outside the network.
        int bits = Math.min(hostBits, 24);
        long span = 1L << bits;
        long offset = span <= 2 ? 0 : 1 + random.nextLong(span - 2);
        for (int i = address.length - 1, shift = 0; shift < bits; i--, shift += 8) {
            address[i] = (byte) (address[i] | ((offset >>> shift) & 0xff));
        }
        return InetAddress.getByAddress(address);
    }
}
