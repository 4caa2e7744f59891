package io.geogate.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geogate.config.GeogateConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.WithName;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * geogate's configuration as the application itself sees it: the key names by reflection over
 * {@link GeogateConfig}, the values resolved by SmallRye Config from {@code application.properties}
 * and a container's environment, as at start-up.
 */
final class AppConfiguration {

    static final Path APPLICATION_PROPERTIES = Path.of("src/main/resources/application.properties");

    private static final String QUARKUS_CONFIG_MODEL = "META-INF/quarkus-config-doc/quarkus-config-model.json";

    private static Set<String> geogateKeys;
    private static Set<String> quarkusKeys;
    private static Set<String> quarkusEnvNames;

    private AppConfiguration() {
    }

    /** Every {@code geogate.*} key: the mapping's methods in kebab-case (or their {@code @WithName}), groups nested. */
    static synchronized Set<String> geogateKeys() {
        if (geogateKeys == null) {
            Set<String> keys = new TreeSet<>();
            collect(GeogateConfig.class.getAnnotation(ConfigMapping.class).prefix(), GeogateConfig.class, keys);
            geogateKeys = Collections.unmodifiableSet(keys);
        }
        return geogateKeys;
    }

    private static void collect(String prefix, Class<?> group, Set<String> keys) {
        for (Method m : group.getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.isDefault()) {
                continue;
            }
            WithName name = m.getAnnotation(WithName.class);
            String key = prefix + "." + (name != null ? name.value() : kebab(m.getName()));
            Class<?> type = m.getReturnType();
            if (type.isInterface() && type.getEnclosingClass() == GeogateConfig.class) {
                collect(key, type, keys);
            } else {
                keys.add(key);
            }
        }
    }

    /** {@code trustedProxies} to {@code trusted-proxies}, as SmallRye names mapping properties. */
    static String kebab(String methodName) {
        StringBuilder b = new StringBuilder();
        for (char c : methodName.toCharArray()) {
            if (Character.isUpperCase(c)) {
                b.append('-').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The environment variable SmallRye reads for a key: upper case, every other character than a letter or digit to '_'. */
    static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    /** The environment variables that set a geogate key. */
    static Set<String> geogateEnvNames() {
        Set<String> names = new TreeSet<>();
        geogateKeys().forEach(k -> names.add(envName(k)));
        return names;
    }

    /** Quarkus's own keys, from the configuration model every extension on the class path ships. */
    static synchronized Set<String> quarkusKeys() {
        if (quarkusKeys == null) {
            readQuarkusModel();
        }
        return quarkusKeys;
    }

    /** The environment variables Quarkus documents for its keys (map keys in quotes excluded). */
    static synchronized Set<String> quarkusEnvNames() {
        if (quarkusEnvNames == null) {
            readQuarkusModel();
        }
        return quarkusEnvNames;
    }

    private static void readQuarkusModel() {
        Set<String> keys = new TreeSet<>();
        Set<String> envs = new TreeSet<>();
        ObjectMapper json = new ObjectMapper();
        try {
            Enumeration<URL> models = AppConfiguration.class.getClassLoader().getResources(QUARKUS_CONFIG_MODEL);
            while (models.hasMoreElements()) {
                try (InputStream in = models.nextElement().openStream()) {
                    collectPaths(json.readTree(in), keys, envs);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!keys.contains("quarkus.http.port")) {
            throw new IllegalStateException("no Quarkus configuration model on the class path (" + QUARKUS_CONFIG_MODEL + ")");
        }
        quarkusKeys = Collections.unmodifiableSet(keys);
        quarkusEnvNames = Collections.unmodifiableSet(envs);
    }

    private static void collectPaths(JsonNode node, Set<String> keys, Set<String> envs) {
        if (node.isObject()) {
            JsonNode property = node.get("property");
            JsonNode env = node.get("environmentVariable");
            if (property != null && property.isTextual() && !property.asText().contains("\"")) {
                keys.add(property.asText());
                if (env != null && env.isTextual()) {
                    envs.add(env.asText());
                }
            }
        }
        node.forEach(child -> collectPaths(child, keys, envs));
    }

    private static final Map<Map<String, String>, SmallRyeConfig> RESOLVED = new ConcurrentHashMap<>();

    /** The configuration of a container with this environment: application.properties below it, as in the application. */
    static SmallRyeConfig resolve(Map<String, String> environment) {
        return RESOLVED.computeIfAbsent(Map.copyOf(environment), AppConfiguration::build);
    }

    private static SmallRyeConfig build(Map<String, String> environment) {
        try {
            return new SmallRyeConfigBuilder()
                    .addDefaultInterceptors() // ${...} expressions, profiles, as in the application
                    .withSources(new EnvConfigSource(environment, EnvConfigSource.ORDINAL))
                    .withSources(new PropertiesConfigSource(APPLICATION_PROPERTIES.toUri().toURL(), PropertiesConfigSource.ORDINAL))
                    .withConverter(Duration.class, 200, new DurationConverter())
                    .withMapping(GeogateConfig.class)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static GeogateConfig geogate(SmallRyeConfig config) {
        return config.getConfigMapping(GeogateConfig.class);
    }

    /** The control plane's port, {@code quarkus.http.port}. */
    static int httpPort(SmallRyeConfig config) {
        return config.getValue("quarkus.http.port", Integer.class);
    }
}
