package io.geogate.k8s;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.geogate.config.GeogateConfig;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.WithDefault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Keeps k8s/ honest without a cluster: every kustomization renders with kubectl, and each overlay's
 * manifests agree with the application's own configuration (ports, probe paths, mounts, keys) and
 * with the deployment rules (resources, security, shutdown). Each rule is also run against a
 * deliberately broken copy of the example overlay, which it must catch.
 */
class ManifestsTest {

    static final Path K8S = Path.of("k8s");
    static final Path EXAMPLE = K8S.resolve("overlays/example");

    private static final Map<Path, String> RENDERED = new ConcurrentHashMap<>();

    static String rendered(Path dir) {
        return RENDERED.computeIfAbsent(dir, Manifests::kustomize);
    }

    /** A fresh model of a rendered overlay (tests may change it). */
    static Manifests manifests(Path dir) {
        return Manifests.parse(dir, rendered(dir));
    }

    static Stream<Path> kustomizations() throws IOException {
        try (Stream<Path> files = Files.walk(K8S)) {
            return files.filter(f -> f.getFileName().toString().equals("kustomization.yaml")).map(Path::getParent).sorted().toList().stream();
        }
    }

    static Stream<Path> overlays() throws IOException {
        try (Stream<Path> dirs = Files.list(K8S.resolve("overlays"))) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).sorted().toList().stream();
        }
    }

    @Test
    void thereAreABaseAndAnOverlayToCheck() throws IOException {
        assertThat(kustomizations()).contains(K8S.resolve("base"), EXAMPLE);
        assertThat(overlays()).contains(EXAMPLE);
    }

    @ParameterizedTest
    @MethodSource("kustomizations")
    void everyKustomizationRenders(Path dir) {
        assertThat(manifests(dir).resources()).isNotEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void portsAndProbesAgreeWithTheConfiguration(Path overlay) {
        Manifests m = manifests(overlay);
        assertThat(ManifestChecks.ports(m)).isEmpty();
        assertThat(ManifestChecks.probes(m)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theServiceCarriesTheDataPlaneOnly(Path overlay) {
        assertThat(ManifestChecks.service(manifests(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theNetworkPolicyAdmitsTheControlPlaneFromNamedPeersOnly(Path overlay) {
        assertThat(ManifestChecks.networkPolicy(manifests(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theDecisionPortsAreFreeInThePodAndOpenToTheIngressOnly(Path overlay) {
        assertThat(ManifestChecks.decisionService(manifests(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void environmentVariablesSetRealKeys(Path overlay) {
        assertThat(ManifestChecks.environment(manifests(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void policyTokenAndDatabaseAreOnTheirVolumes(Path overlay) {
        Manifests m = manifests(overlay);
        assertThat(ManifestChecks.mounts(m)).isEmpty();
        assertThat(ManifestChecks.geoDatabase(m)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void thePolicyIsValidAndItsLocalDatacenterIsInThePod(Path overlay) {
        assertThat(ManifestChecks.policy(manifests(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void geogateKnowsWhichProxiesToBelieve(Path overlay) {
        assertThat(ManifestChecks.clientAddress(manifests(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyContainerHasRequestsAndLimits(Path overlay) {
        assertThat(ManifestChecks.resources(manifests(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void nothingRunsAsRootOrWritesItsImage(Path overlay) {
        assertThat(ManifestChecks.security(manifests(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theGracePeriodOutlastsTheDrain(Path overlay) {
        assertThat(ManifestChecks.shutdown(manifests(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theJvmStarts(Path overlay) {
        assertThat(ManifestChecks.jvm(manifests(overlay))).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void budgetAndMonitoringSelectThePods(Path overlay) {
        Manifests m = manifests(overlay);
        assertThat(ManifestChecks.disruptionBudget(m)).isEmpty();
        assertThat(ManifestChecks.podMonitor(m)).isEmpty();
        assertThat(ManifestChecks.alerts(m)).isEmpty();
    }

    @Test
    void theImagesRunAsNonRootAndExposeBothPlanes() {
        Manifests m = manifests(EXAMPLE);
        assertThat(ManifestChecks.dockerfiles(ManifestChecks.listenPort(m), ManifestChecks.httpPort(m))).isEmpty();
    }

    @Test
    void keysNamedInTheManifestsAndTheDeploymentSectionExist() throws IOException {
        try (Stream<Path> files = Files.walk(K8S)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                assertThat(ManifestChecks.keysMentioned(f.toString(), Files.readString(f))).isEmpty();
            }
        }
        String readme = Files.readString(ManifestChecks.README);
        int start = readme.indexOf("\n## Deployment\n");
        assertThat(start).as("README has a Deployment section").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        String deployment = readme.substring(start, end < 0 ? readme.length() : end);
        assertThat(ManifestChecks.keysMentioned("README, Deployment", deployment)).isEmpty();
    }

    @Test
    void aKeyThatDoesNotExistIsCaught() {
        assertThat(ManifestChecks.keysMentioned("text", "quarkus.redis.master-name, geogate.policy.file and the quarkus.redis group")).isEmpty();
        assertThat(ManifestChecks.keysMentioned("text", "set quarkus.redis.sentinel-master or geogate.policy.path"))
                .containsExactly("text names quarkus.redis.sentinel-master, which is no configuration key",
                        "text names geogate.policy.path, which is no configuration key");
    }

    /** The checks read the application's configuration, not copies of it. */
    @Test
    void theConfigurationIsReadFromTheApplication() throws Exception {
        String listenDefault = GeogateConfig.Listen.class.getMethod("port").getAnnotation(WithDefault.class).value();
        SmallRyeConfig none = AppConfiguration.resolve(Map.of());
        assertThat(AppConfiguration.geogate(none).listen().port()).isEqualTo(Integer.parseInt(listenDefault));
        assertThat(AppConfiguration.httpPort(none)).isEqualTo(9000); // application.properties
        assertThat(AppConfiguration.geogateKeys()).contains("geogate.listen.port", "geogate.policy.file",
                "geogate.accounts.redis.url", "geogate.admin.token-file", "geogate.shutdown.drain-delay");
        assertThat(AppConfiguration.geogateEnvNames()).contains("GEOGATE_POLICY_FILE", "GEOGATE_ACCOUNTS_REDIS_URL");
        assertThat(AppConfiguration.quarkusEnvNames()).contains("QUARKUS_HTTP_PORT", "QUARKUS_REDIS_PASSWORD",
                "QUARKUS_REDIS_CLIENT_TYPE", "QUARKUS_REDIS_MASTER_NAME");
        SmallRyeConfig moved = AppConfiguration.resolve(Map.of("GEOGATE_LISTEN_PORT", "8181", "QUARKUS_HTTP_PORT", "9191"));
        assertThat(AppConfiguration.geogate(moved).listen().port()).isEqualTo(8181);
        assertThat(AppConfiguration.httpPort(moved)).isEqualTo(9191);
    }

    /** README, Deployment: for sentinel and cluster, geogate.accounts.redis.url carries the comma-separated hosts. */
    @Test
    void aListOfRedisHostsReachesTheQuarkusClient() {
        SmallRyeConfig config = AppConfiguration.resolve(Map.of(
                "GEOGATE_ACCOUNTS_REDIS_URL", "redis://s1:26379,redis://s2:26379,redis://s3:26379",
                "QUARKUS_REDIS_CLIENT_TYPE", "sentinel",
                "QUARKUS_REDIS_MASTER_NAME", "accounts"));
        assertThat(config.getValues("quarkus.redis.hosts", URI.class))
                .containsExactly(URI.create("redis://s1:26379"), URI.create("redis://s2:26379"), URI.create("redis://s3:26379"));
        assertThat(config.getValue("quarkus.redis.client-type", String.class)).isEqualTo("sentinel");
    }

    // --- the checks catch what they are for ------------------------------------------------------

    static Stream<Arguments> breakages() {
        return Stream.of(
                broken("a Service port on the control plane", m -> service(m).getSpec().getPorts().add(port(9000, new IntOrString(9000))),
                        ManifestChecks::service, "9000"),
                broken("a Service targeting the control plane by name", m -> service(m).getSpec().getPorts().get(0).setTargetPort(new IntOrString("control")),
                        ManifestChecks::service, "targets the control plane 9000"),
                broken("a Service targeting the application past geogate", m -> service(m).getSpec().getPorts().get(0).setTargetPort(new IntOrString(8081)),
                        ManifestChecks::service, "app:8081"),
                broken("the control plane open to every peer", m -> m.one(NetworkPolicy.class).getSpec().getIngress().get(1).setFrom(List.of()),
                        ManifestChecks::networkPolicy, "to everyone"),
                broken("a NetworkPolicy rule without ports", m -> m.one(NetworkPolicy.class).getSpec().getIngress().add(new NetworkPolicyIngressRule()),
                        ManifestChecks::networkPolicy, "opens every port"),
                broken("the application's port open", m -> m.one(NetworkPolicy.class).getSpec().getIngress().get(0).getPorts()
                        .add(new NetworkPolicyPort(null, new IntOrString(8081), "TCP")), ManifestChecks::networkPolicy, "app:8081"),
                broken("the data plane on another port", m -> setEnv(m.geogate(), "GEOGATE_LISTEN_PORT", "8443"),
                        ManifestChecks::ports, "8443"),
                broken("a readiness probe on the data plane", m -> m.geogate().getReadinessProbe().getHttpGet().setPort(new IntOrString("data")),
                        ManifestChecks::probes, "not the control plane 9000"),
                broken("a probe on a path Quarkus does not serve", m -> m.geogate().getLivenessProbe().getHttpGet().setPath("/health/live"),
                        ManifestChecks::probes, "/q/health/live"),
                broken("no startup probe", m -> m.geogate().setStartupProbe(null), ManifestChecks::probes, "no startup probe"),
                broken("a misspelt key", m -> setEnv(m.geogate(), "GEOGATE_POLICY_FIEL", "/etc/geogate/policy/policy.yaml"),
                        ManifestChecks::environment, "GEOGATE_POLICY_FIEL"),
                broken("a Quarkus key that does not exist", m -> setEnv(m.geogate(), "QUARKUS_REDIS_SENTINEL_MASTER", "x"),
                        ManifestChecks::environment, "QUARKUS_REDIS_SENTINEL_MASTER"),
                broken("the policy outside its ConfigMap mount", m -> setEnv(m.geogate(), "GEOGATE_POLICY_FILE", "/etc/geogate/policy.yaml"),
                        ManifestChecks::mounts, "no volume mount"),
                broken("the policy mounted by subPath", m -> mount(m.geogate(), "policy").setSubPath("policy.yaml"),
                        ManifestChecks::mounts, "subPath"),
                broken("the token file on the ConfigMap", m -> setEnv(m.geogate(), "GEOGATE_ADMIN_TOKEN_FILE", "/etc/geogate/policy/token"),
                        ManifestChecks::mounts, "not a secret"),
                broken("geogate reading a database geoipupdate does not write", m -> {
                    setEnv(m.geogate(), "GEOGATE_GEO_DATABASE", "/var/lib/geoip/GeoLite2-City.mmdb");
                }, ManifestChecks::geoDatabase, "GeoLite2-City.mmdb"),
                broken("a seed from a path the images do not have", m -> setEnv(m.pod().getInitContainers().get(0), "BUNDLED_GEO_DATABASE",
                        "/work/geo-data/geo-whois-asn-country.mmdb"), ManifestChecks::geoDatabase, "Dockerfile"),
                broken("a local datacenter nothing serves", m -> m.container("app").getPorts().get(0).setContainerPort(8082),
                        ManifestChecks::policy, "127.0.0.1:8081"),
                broken("no trusted proxies", m -> m.geogate().getEnv().removeIf(e -> e.getName().equals("GEOGATE_TRUSTED_PROXIES")),
                        ManifestChecks::clientAddress, "GEOGATE_TRUSTED_PROXIES"),
                broken("an init container without limits", m -> m.pod().getInitContainers().get(0).getResources().getLimits().clear(),
                        ManifestChecks::resources, "no memory limit"),
                broken("a request above its limit", m -> m.geogate().getResources().getRequests().put("memory", new Quantity("1Gi")),
                        ManifestChecks::resources, "requests more memory"),
                broken("a container running as root", m -> {
                    m.container("geoipupdate").getSecurityContext().setRunAsUser(0L);
                }, ManifestChecks::security, "runs as user 0"),
                broken("runAsNonRoot dropped", m -> m.pod().getSecurityContext().setRunAsNonRoot(null),
                        ManifestChecks::security, "runAsNonRoot"),
                broken("a writable root filesystem", m -> m.geogate().getSecurityContext().setReadOnlyRootFilesystem(false),
                        ManifestChecks::security, "readOnlyRootFilesystem"),
                broken("capabilities kept", m -> m.geogate().getSecurityContext().getCapabilities().setDrop(List.of("NET_RAW")),
                        ManifestChecks::security, "drop ALL"),
                broken("a grace period shorter than the drain", m -> m.pod().setTerminationGracePeriodSeconds(30L),
                        ManifestChecks::shutdown, "35 s"),
                broken("a longer drain than the grace period", m -> setEnv(m.geogate(), "GEOGATE_SHUTDOWN_TIMEOUT", "60s"),
                        ManifestChecks::shutdown, "65 s"),
                broken("a collector in JAVA_OPTS_APPEND", m -> setEnv(m.geogate(), "JAVA_OPTS_APPEND",
                        "-Djava.util.logging.manager=org.jboss.logmanager.LogManager -XX:+UseSerialGC"), ManifestChecks::jvm, "GC_CONTAINER_OPTIONS"),
                broken("a budget that blocks drains", m -> m.one(io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class)
                        .getSpec().setMaxUnavailable(new IntOrString(0)), ManifestChecks::disruptionBudget, "blocks every drain"),
                broken("a PodMonitor scraping the data plane", m -> podMetricsEndpoint(m).put("port", "data"),
                        ManifestChecks::podMonitor, "not geogate's control plane"),
                broken("an alert on a metric geogate does not export", m -> firstRule(m).put("expr", "geogate_reload_refused_total > 0"),
                        ManifestChecks::alerts, "geogate_reload_refused_total"),
                broken("the application listening on a decision port", m -> m.container("app").getPorts().get(0).setContainerPort(9082),
                        ManifestChecks::decisionService, "decision port 9082 is already used in the pod"),
                broken("pods relabelled away from the decision Service", m -> m.podLabels().put("app.kubernetes.io/name", "other"),
                        ManifestChecks::decisionService, "the decision Service selects"));
    }

    private static Arguments broken(String name, Consumer<Manifests> breakage, Function<Manifests, List<String>> check, String caught) {
        return arguments(name, breakage, check, caught);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("breakages")
    void aBrokenManifestIsCaught(String name, Consumer<Manifests> breakage, Function<Manifests, List<String>> check, String caught) {
        Manifests m = manifests(EXAMPLE);
        assertThat(check.apply(m)).as("the example overlay before it is broken").isEmpty();
        breakage.accept(m);
        assertThat(check.apply(m)).as(name).anySatisfy(problem -> assertThat(problem).contains(caught));
    }

    private static Service service(Manifests m) {
        return m.one(Service.class);
    }

    private static ServicePort port(int port, IntOrString target) {
        ServicePort p = new ServicePort();
        p.setName("p" + port);
        p.setPort(port);
        p.setTargetPort(target);
        p.setProtocol("TCP");
        return p;
    }

    private static void setEnv(Container c, String name, String value) {
        c.getEnv().removeIf(e -> e.getName().equals(name));
        c.getEnv().add(new EnvVar(name, value, null));
    }

    private static VolumeMount mount(Container c, String volume) {
        return c.getVolumeMounts().stream().filter(v -> v.getName().equals(volume)).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> podMetricsEndpoint(Manifests m) {
        return ((List<Map<String, Object>>) m.one("PodMonitor").get("spec", "podMetricsEndpoints")).get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> firstRule(Manifests m) {
        List<Map<String, Object>> groups = (List<Map<String, Object>>) m.one("PrometheusRule").get("spec", "groups");
        return ((List<Map<String, Object>>) groups.get(0).get("rules")).get(0);
    }
}
