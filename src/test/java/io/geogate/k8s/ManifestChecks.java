package io.geogate.k8s;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.geogate.address.Cidr;
import io.geogate.config.GeogateConfig;
import io.geogate.policy.Datacenter;
import io.geogate.policy.InvalidPolicyException;
import io.geogate.policy.Policy;
import io.geogate.policy.PolicyParser;
import io.smallrye.config.SmallRyeConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules a rendered deployment of geogate must keep, each returning the problems it finds (none:
 * the rule holds). Values come from the application's own configuration (geogate's container
 * environment over application.properties over the mapping's defaults), never from copies of them.
 */
final class ManifestChecks {

    static final Path DOCKER = Path.of("src/main/docker");
    static final List<Path> DOCKERFILES = List.of(DOCKER.resolve("Dockerfile.jvm"), DOCKER.resolve("Dockerfile.native-multistage"));
    static final Path BUNDLED_GEO_DATA = Path.of("geo-data");
    static final Path README = Path.of("README.md");


    /** What each alert is about: a metric every deployment's rules must watch. */
    static final Set<String> WATCHED_METRICS = Set.of("geogate_geo_database_age_seconds", "geogate_reloads_total",
            "geogate_audit_dropped_total", "geogate_upstream_seconds_count", "geogate_cutoff_seconds");

    private static final Pattern METRIC = Pattern.compile("\\bgeogate_[a-z0-9_]+");
    private static final Pattern GC_FLAG = Pattern.compile("-XX:\\+Use\\w*GC\\b");
    private static final String HEALTH = "/q/health";
    private static final String METRICS_PATH = "/q/metrics";

    private ManifestChecks() {
    }

    /** The configuration geogate's container runs with. */
    static SmallRyeConfig config(Manifests m) {
        return AppConfiguration.resolve(Manifests.env(m.geogate()));
    }

    static int listenPort(Manifests m) {
        return AppConfiguration.geogate(config(m)).listen().port();
    }

    static int httpPort(Manifests m) {
        return AppConfiguration.httpPort(config(m));
    }

    // --- ports and probes -------------------------------------------------------------------

    /** geogate declares its two ports as the configuration has them. */
    static List<String> ports(Manifests m) {
        List<String> problems = new ArrayList<>();
        Set<Integer> declared = new TreeSet<>();
        m.geogate().getPorts().forEach(p -> declared.add(p.getContainerPort()));
        if (!declared.contains(listenPort(m))) {
            problems.add("geogate declares ports " + declared + " but listens on geogate.listen.port " + listenPort(m));
        }
        if (!declared.contains(httpPort(m))) {
            problems.add("geogate declares ports " + declared + " but serves its control plane on quarkus.http.port " + httpPort(m));
        }
        return problems;
    }

    /** Liveness, readiness and startup probes ask the control plane's health endpoints. */
    static List<String> probes(Manifests m) {
        List<String> problems = new ArrayList<>();
        Container g = m.geogate();
        probe(problems, g, "liveness", g.getLivenessProbe(), HEALTH + "/live", httpPort(m));
        probe(problems, g, "readiness", g.getReadinessProbe(), HEALTH + "/ready", httpPort(m));
        probe(problems, g, "startup", g.getStartupProbe(), HEALTH + "/started", httpPort(m));
        SmallRyeConfig config = config(m);
        for (String moved : List.of("quarkus.http.non-application-root-path", "quarkus.smallrye-health.root-path",
                "quarkus.micrometer.export.prometheus.path", "quarkus.http.root-path")) {
            config.getOptionalValue(moved, String.class)
                    .ifPresent(v -> problems.add(moved + " is set (" + v + "): the probe and scrape paths assume the defaults"));
        }
        if (config.getOptionalValue("quarkus.management.enabled", Boolean.class).orElse(false)) {
            problems.add("quarkus.management.enabled moves health and metrics off quarkus.http.port; the contract keeps them there");
        }
        return problems;
    }

    private static void probe(List<String> problems, Container c, String kind, Probe probe, String path, int port) {
        if (probe == null) {
            problems.add(c.getName() + " has no " + kind + " probe");
            return;
        }
        HTTPGetAction get = probe.getHttpGet();
        if (get == null) {
            problems.add(c.getName() + "'s " + kind + " probe is not an HTTP GET of " + path);
            return;
        }
        if (!path.equals(get.getPath())) {
            problems.add(c.getName() + "'s " + kind + " probe asks " + get.getPath() + ", not " + path);
        }
        Optional<Integer> target = Manifests.resolve(c, get.getPort());
        if (target.isEmpty() || target.get() != port) {
            problems.add(c.getName() + "'s " + kind + " probe asks port " + get.getPort() + " (" + target.orElse(null)
                    + "), not the control plane " + port);
        }
    }

    // --- configuration keys -----------------------------------------------------------------

    /** Every GEOGATE_* and QUARKUS_* variable sets a real key, and Kubernetes injects no variables of its own. */
    static List<String> environment(Manifests m) {
        List<String> problems = new ArrayList<>();
        Set<String> geogate = AppConfiguration.geogateEnvNames();
        Set<String> quarkus = new TreeSet<>(AppConfiguration.quarkusEnvNames());
        AppConfiguration.quarkusKeys().forEach(k -> quarkus.add(AppConfiguration.envName(k)));
        for (Container c : m.allContainers()) {
            for (String name : Manifests.env(c).keySet()) {
                if (name.startsWith("GEOGATE_") && !geogate.contains(name)) {
                    problems.add(c.getName() + ": " + name + " sets no geogate key (GeogateConfig has no such property)");
                }
                if (name.startsWith("QUARKUS_") && !quarkus.contains(name)) {
                    problems.add(c.getName() + ": " + name + " sets no Quarkus key");
                }
            }
            if (!c.getEnvFrom().isEmpty()) {
                problems.add(c.getName() + ": envFrom hides which keys are set; list the variables");
            }
        }
        if (!Boolean.FALSE.equals(m.pod().getEnableServiceLinks())) {
            problems.add("enableServiceLinks is not false: a Service named geogate-* would inject GEOGATE_*_PORT=tcp://... variables");
        }
        return problems;
    }

    /** The policy, the geo database and the admin token are where the configuration says, on the right volumes. */
    static List<String> mounts(Manifests m) {
        List<String> problems = new ArrayList<>();
        Container g = m.geogate();
        GeogateConfig cfg = AppConfiguration.geogate(config(m));

        String policy = cfg.policy().path();
        mountedFrom(problems, m, g, "geogate.policy.file", policy, "configMap").ifPresent(v -> {
            String key = Path.of(mountHolding(g, policy).getMountPath()).relativize(Path.of(policy)).toString();
            Optional<ConfigMap> map = m.configMap(v.getConfigMap().getName());
            if (map.isEmpty()) {
                problems.add("geogate.policy.file's ConfigMap " + v.getConfigMap().getName() + " is not in the manifests");
            } else if (v.getConfigMap().getItems().isEmpty() && !map.get().getData().containsKey(key)) {
                problems.add("ConfigMap " + v.getConfigMap().getName() + " has no key " + key + " (geogate.policy.file " + policy + ")");
            }
        });

        Optional<String> token = cfg.admin().tokenFile();
        if (token.isEmpty()) {
            problems.add("geogate.admin.token-file is not set: every /admin call would be 401 (or the token inline)");
        } else {
            mountedFrom(problems, m, g, "geogate.admin.token-file", token.get(), "secret");
        }
        if (Manifests.env(g).containsKey(AppConfiguration.envName("geogate.admin.token"))) {
            problems.add("geogate.admin.token is set in the environment: use a Secret file (geogate.admin.token-file)");
        }

        String database = cfg.geo().database();
        mountedFrom(problems, m, g, "geogate.geo.database", database, "emptyDir");
        if (g.getVolumeMounts().stream().noneMatch(v -> "/tmp".equals(v.getMountPath()))) {
            problems.add("geogate has no writable /tmp (its root filesystem is read-only)");
        }
        return problems;
    }

    private static VolumeMount mountHolding(Container c, String path) {
        return Manifests.mountHolding(c, path).orElseThrow();
    }

    /** Checks that a container reads this file from a volume of this kind, mounted whole (subPath files never update). */
    private static Optional<Volume> mountedFrom(List<String> problems, Manifests m, Container c, String key, String path, String kind) {
        if (!Path.of(path).isAbsolute()) {
            problems.add(key + " is " + path + ": relative to the image's working directory, not on a volume");
            return Optional.empty();
        }
        Optional<VolumeMount> mount = Manifests.mountHolding(c, path);
        if (mount.isEmpty()) {
            problems.add(key + " is " + path + ", which no volume mount of " + c.getName() + " holds");
            return Optional.empty();
        }
        if (mount.get().getSubPath() != null || mount.get().getSubPathExpr() != null) {
            problems.add(key + ": " + mount.get().getMountPath() + " is a subPath mount, which never sees updates");
        }
        Optional<Volume> volume = m.volume(mount.get().getName());
        if (volume.isEmpty()) {
            problems.add(key + ": volume " + mount.get().getName() + " is not declared");
            return Optional.empty();
        }
        Volume v = volume.get();
        boolean kindMatches = switch (kind) {
            case "configMap" -> v.getConfigMap() != null;
            case "secret" -> v.getSecret() != null;
            case "emptyDir" -> v.getEmptyDir() != null;
            default -> throw new IllegalArgumentException(kind);
        };
        if (!kindMatches) {
            problems.add(key + " is " + path + " on volume " + v.getName() + ", which is not a " + kind);
            return Optional.empty();
        }
        return volume;
    }

    /** The geo database volume: seeded from the image's bundled file, kept fresh by geoipupdate, read by geogate. */
    static List<String> geoDatabase(Manifests m) {
        List<String> problems = new ArrayList<>();
        Container g = m.geogate();
        String database = AppConfiguration.geogate(config(m)).geo().database();
        Optional<VolumeMount> geoMount = Manifests.mountHolding(g, database);
        if (geoMount.isEmpty()) {
            return List.of("geogate.geo.database " + database + " is on no volume");
        }
        String volume = geoMount.get().getName();
        String relative = Path.of(geoMount.get().getMountPath()).relativize(Path.of(database)).toString();
        if (!Boolean.TRUE.equals(geoMount.get().getReadOnly())) {
            problems.add("geogate mounts the geo database volume writable; it only reads it");
        }

        // geoipupdate writes <edition>.mmdb into GEOIPUPDATE_DB_DIR, on the same volume.
        Optional<Container> updater = m.pod().getContainers().stream().filter(c -> c.getImage() != null && c.getImage().contains("geoipupdate")).findFirst();
        if (updater.isEmpty()) {
            problems.add("no geoipupdate container keeps the geo database fresh");
        } else {
            Container u = updater.get();
            Map<String, String> env = Manifests.env(u);
            String dir = env.getOrDefault("GEOIPUPDATE_DB_DIR", "/usr/share/GeoIP");
            Optional<VolumeMount> um = u.getVolumeMounts().stream().filter(v -> volume.equals(v.getName())).findFirst();
            if (um.isEmpty() || !Path.of(um.get().getMountPath()).equals(Path.of(dir))) {
                problems.add("geoipupdate writes to " + dir + ", not where it mounts volume " + volume);
            }
            String editions = env.getOrDefault("GEOIPUPDATE_EDITION_IDS", "");
            if (!List.of(editions.trim().split("\\s+")).contains(relative.replaceFirst("\\.mmdb$", ""))) {
                problems.add("geogate reads " + relative + " but geoipupdate downloads editions [" + editions + "] (each as <edition>.mmdb)");
            }
            for (String fileVar : List.of("GEOIPUPDATE_ACCOUNT_ID_FILE", "GEOIPUPDATE_LICENSE_KEY_FILE")) {
                String file = env.get(fileVar);
                if (file == null) {
                    problems.add("geoipupdate: " + fileVar + " is not set (credentials belong in a Secret file)");
                } else {
                    mountedFrom(problems, m, u, fileVar, file, "secret");
                }
            }
            if (env.containsKey("GEOIPUPDATE_LICENSE_KEY")) {
                problems.add("geoipupdate: GEOIPUPDATE_LICENSE_KEY in the environment; use GEOIPUPDATE_LICENSE_KEY_FILE from a Secret");
            }
        }

        // The seed: the geogate image's bundled database, copied where geogate reads.
        Optional<Container> seed = m.initContainerWithImage(g.getImage());
        if (seed.isEmpty()) {
            problems.add("no init container from geogate's image " + g.getImage() + " seeds the geo database volume");
            return problems;
        }
        Map<String, String> env = Manifests.env(seed.get());
        String target = env.get(AppConfiguration.envName("geogate.geo.database"));
        Optional<VolumeMount> sm = seed.get().getVolumeMounts().stream().filter(v -> volume.equals(v.getName())).findFirst();
        if (target == null || sm.isEmpty()
                || !Path.of(sm.get().getMountPath()).relativize(Path.of(target)).toString().equals(relative)) {
            problems.add(seed.get().getName() + " seeds " + target + ", not the file geogate reads (" + relative + " on volume " + volume + ")");
        }
        String bundled = env.get("BUNDLED_GEO_DATABASE");
        if (bundled == null) {
            problems.add(seed.get().getName() + ": BUNDLED_GEO_DATABASE is not set");
            return problems;
        }
        Path bundledPath = Path.of(bundled);
        if (!Files.isRegularFile(BUNDLED_GEO_DATA.resolve(bundledPath.getFileName()))) {
            problems.add(seed.get().getName() + " copies " + bundled + ", but geo-data/ has no " + bundledPath.getFileName());
        }
        for (Path dockerfile : DOCKERFILES) {
            Optional<String> dest = copyDestination(dockerfile, "geo-data/");
            if (dest.isEmpty() || !Path.of(dest.get()).equals(bundledPath.getParent())) {
                problems.add(dockerfile + " copies geo-data/ to " + dest.orElse("nowhere") + ", not to " + bundledPath.getParent());
            }
        }
        return problems;
    }

    /** Where the final stage of a Dockerfile copies a source directory of the build context. */
    static Optional<String> copyDestination(Path dockerfile, String source) {
        List<String> lines = dockerfileLines(dockerfile);
        String destination = null;
        for (String line : lines) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equalsIgnoreCase("FROM")) {
                destination = null;
            } else if (words[0].equalsIgnoreCase("COPY")) {
                List<String> args = new ArrayList<>();
                boolean fromStage = false;
                for (int i = 1; i < words.length; i++) {
                    if (words[i].startsWith("--")) {
                        fromStage |= words[i].startsWith("--from");
                    } else {
                        args.add(words[i]);
                    }
                }
                if (!fromStage && args.size() == 2 && Path.of(args.get(0)).equals(Path.of(source))) {
                    destination = args.get(1);
                }
            }
        }
        return Optional.ofNullable(destination).map(d -> Path.of(d).normalize().toString());
    }

    static List<String> dockerfileLines(Path dockerfile) {
        try {
            return Files.readAllLines(dockerfile).stream().filter(l -> !l.isBlank() && !l.trim().startsWith("#")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The images run as a non-root user and expose both planes. */
    static List<String> dockerfiles(int listenPort, int httpPort) {
        List<String> problems = new ArrayList<>();
        for (Path dockerfile : DOCKERFILES) {
            String user = null;
            Set<String> exposed = new TreeSet<>();
            for (String line : dockerfileLines(dockerfile)) {
                String[] words = line.trim().split("\\s+");
                if (words[0].equalsIgnoreCase("FROM")) {
                    user = null;
                    exposed.clear();
                } else if (words[0].equalsIgnoreCase("USER")) {
                    user = words[1];
                } else if (words[0].equalsIgnoreCase("EXPOSE")) {
                    exposed.addAll(List.of(words).subList(1, words.length));
                }
            }
            if (user == null || user.equals("0") || user.equals("root") || !user.matches("\\d+(:\\d+)?")) {
                problems.add(dockerfile + ": the final stage runs as " + user + ", not a numeric non-root user");
            }
            for (int port : List.of(listenPort, httpPort)) {
                if (!exposed.contains(Integer.toString(port))) {
                    problems.add(dockerfile + " does not EXPOSE " + port);
                }
            }
        }
        return problems;
    }

    // --- Service, NetworkPolicy, disruption budget, monitoring --------------------------------

    /** The Service carries client traffic to geogate's data plane only: never the control plane, never the app directly. */
    static List<String> service(Manifests m) {
        List<String> problems = new ArrayList<>();
        int listen = listenPort(m);
        int control = httpPort(m);
        for (Service s : m.all(Service.class)) {
            String name = "Service " + s.getMetadata().getName();
            if (!selects(s.getSpec().getSelector(), m.podLabels())) {
                problems.add(name + " selects " + s.getSpec().getSelector() + ", not the pods " + m.podLabels());
            }
            for (ServicePort p : s.getSpec().getPorts()) {
                IntOrString target = p.getTargetPort() != null ? p.getTargetPort() : new IntOrString(p.getPort());
                Optional<Integer> resolved = Manifests.resolve(m.geogate(), target);
                if (p.getPort() == control) {
                    problems.add(name + " exposes port " + control + ", the control plane's number (quarkus.http.port)");
                }
                if (resolved.isEmpty()) {
                    problems.add(name + " port " + p.getPort() + " targets " + m.landsOn(target).orElse(String.valueOf(target.getStrVal()))
                            + ", not geogate's data plane " + listen);
                } else if (resolved.get() == control) {
                    problems.add(name + " port " + p.getPort() + " targets the control plane " + control + " (health, metrics, /admin)");
                } else if (resolved.get() != listen) {
                    problems.add(name + " port " + p.getPort() + " targets " + m.landsOn(target).orElse("?")
                            + ", not geogate's data plane " + listen);
                }
            }
        }
        if (m.all(Service.class).isEmpty()) {
            problems.add("no Service");
        }
        return problems;
    }

    /** Ingress admits the data plane, and the control plane only from named peers; nothing else. */
    static List<String> networkPolicy(Manifests m) {
        List<String> problems = new ArrayList<>();
        int listen = listenPort(m);
        int control = httpPort(m);
        NetworkPolicy np = m.one(NetworkPolicy.class);
        if (!selects(np.getSpec().getPodSelector(), m.podLabels())) {
            problems.add("NetworkPolicy selects " + np.getSpec().getPodSelector() + ", not the pods " + m.podLabels());
        }
        if (!np.getSpec().getPolicyTypes().contains("Ingress")) {
            problems.add("NetworkPolicy does not restrict Ingress");
        }
        boolean dataAdmitted = false;
        for (NetworkPolicyIngressRule rule : np.getSpec().getIngress()) {
            if (rule.getPorts().isEmpty()) {
                problems.add("a NetworkPolicy rule names no ports: it opens every port of the pod, the application's included");
            }
            for (NetworkPolicyPort port : rule.getPorts()) {
                if (port.getPort() == null) {
                    problems.add("a NetworkPolicy rule names a protocol but no port: it opens every port of the pod");
                    continue;
                }
                Optional<Integer> number = Manifests.resolve(m.geogate(), port.getPort());
                if (number.isEmpty() || (number.get() != listen && number.get() != control)) {
                    problems.add("the NetworkPolicy opens port " + (port.getPort().getIntVal() != null ? port.getPort().getIntVal() : port.getPort().getStrVal())
                            + " (" + m.landsOn(port.getPort()).orElse("?") + "); only " + listen + " and " + control + " belong open");
                    continue;
                }
                if (number.get() == listen) {
                    dataAdmitted = true;
                }
                if (number.get() == control) {
                    if (rule.getFrom().isEmpty()) {
                        problems.add("the NetworkPolicy opens the control plane " + control + " to everyone");
                    }
                    for (NetworkPolicyPeer peer : rule.getFrom()) {
                        if (everyone(peer)) {
                            problems.add("the NetworkPolicy opens the control plane " + control + " to every namespace or address");
                        }
                    }
                }
            }
        }
        if (!dataAdmitted) {
            problems.add("the NetworkPolicy does not admit the data plane " + listen);
        }
        return problems;
    }

    private static boolean everyone(NetworkPolicyPeer peer) {
        LabelSelector ns = peer.getNamespaceSelector();
        boolean allNamespaces = ns != null && (ns.getMatchLabels() == null || ns.getMatchLabels().isEmpty())
                && (ns.getMatchExpressions() == null || ns.getMatchExpressions().isEmpty());
        boolean allAddresses = peer.getIpBlock() != null
                && (peer.getIpBlock().getCidr().endsWith("/0"));
        return allNamespaces || allAddresses;
    }

    /** A budget that selects the pods and lets a drain proceed one pod at a time. */
    static List<String> disruptionBudget(Manifests m) {
        List<String> problems = new ArrayList<>();
        PodDisruptionBudget pdb = m.one(PodDisruptionBudget.class);
        if (!selects(pdb.getSpec().getSelector(), m.podLabels())) {
            problems.add("PodDisruptionBudget selects " + pdb.getSpec().getSelector() + ", not the pods " + m.podLabels());
        }
        IntOrString max = pdb.getSpec().getMaxUnavailable();
        IntOrString min = pdb.getSpec().getMinAvailable();
        Integer replicas = m.deployment().getSpec().getReplicas();
        if (max == null && min == null) {
            problems.add("PodDisruptionBudget sets neither maxUnavailable nor minAvailable");
        } else if (min != null && min.getIntVal() != null && replicas != null && min.getIntVal() >= replicas) {
            problems.add("PodDisruptionBudget minAvailable " + min.getIntVal() + " with " + replicas + " replicas blocks every drain");
        } else if (max != null && max.getIntVal() != null && max.getIntVal() < 1) {
            problems.add("PodDisruptionBudget maxUnavailable " + max.getIntVal() + " blocks every drain");
        }
        return problems;
    }

    /** Prometheus scrapes the control plane's /q/metrics on each pod (the Service does not carry it). */
    @SuppressWarnings("unchecked")
    static List<String> podMonitor(Manifests m) {
        List<String> problems = new ArrayList<>();
        GenericKubernetesResource pm = m.one("PodMonitor");
        Map<String, String> labels = (Map<String, String>) pm.get("spec", "selector", "matchLabels");
        if (labels == null || labels.isEmpty() || !m.podLabels().entrySet().containsAll(labels.entrySet())) {
            problems.add("PodMonitor selects " + labels + ", not the pods " + m.podLabels());
        }
        List<Map<String, Object>> endpoints = (List<Map<String, Object>>) pm.get("spec", "podMetricsEndpoints");
        if (endpoints == null || endpoints.isEmpty()) {
            return List.of("PodMonitor has no podMetricsEndpoints");
        }
        for (Map<String, Object> e : endpoints) {
            Object port = e.get("port");
            Optional<Integer> number = port instanceof String s ? Manifests.resolve(m.geogate(), new IntOrString(s)) : Optional.empty();
            if (number.isEmpty() || number.get() != httpPort(m)) {
                problems.add("PodMonitor scrapes port " + port + ", not geogate's control plane " + httpPort(m));
            }
            if (!METRICS_PATH.equals(e.get("path"))) {
                problems.add("PodMonitor scrapes " + e.get("path") + ", not " + METRICS_PATH);
            }
        }
        return problems;
    }

    /** The alerts use metric names the application exports (README's metrics table), and watch what they must. */
    @SuppressWarnings("unchecked")
    static List<String> alerts(Manifests m) {
        List<String> problems = new ArrayList<>();
        GenericKubernetesResource rule = m.one("PrometheusRule");
        Set<String> documented = documentedMetrics();
        Set<String> used = new TreeSet<>();
        List<String> exprs = new ArrayList<>();
        List<Map<String, Object>> groups = (List<Map<String, Object>>) rule.get("spec", "groups");
        for (Map<String, Object> group : groups == null ? List.<Map<String, Object>>of() : groups) {
            for (Map<String, Object> r : (List<Map<String, Object>>) group.get("rules")) {
                String expr = String.valueOf(r.get("expr"));
                exprs.add(expr);
                Matcher metric = METRIC.matcher(expr);
                while (metric.find()) {
                    used.add(metric.group());
                }
                if (r.get("alert") != null && !(r.get("labels") instanceof Map<?, ?> l && l.containsKey("severity"))) {
                    problems.add("alert " + r.get("alert") + " has no severity label");
                }
            }
        }
        for (String name : used) {
            String base = name.replaceFirst("_(count|sum|bucket|max)$", "");
            if (!documented.contains(name) && !documented.contains(base)) {
                problems.add("the alerts use " + name + ", which README's metrics table does not list");
            }
        }
        for (String watched : WATCHED_METRICS) {
            if (!used.contains(watched)) {
                problems.add("no alert watches " + watched);
            }
        }
        long maxAgeDays = AppConfiguration.geogate(config(m)).geo().maxAge().toDays();
        Pattern stale = Pattern.compile("geogate_geo_database_age_seconds\\s*>\\s*" + maxAgeDays + "\\s*\\*\\s*86400\\b");
        if (exprs.stream().noneMatch(e -> stale.matcher(e).find())) {
            problems.add("no alert fires at geogate.geo.max-age (" + maxAgeDays + " days): geogate_geo_database_age_seconds > "
                    + maxAgeDays + " * 86400");
        }
        return problems;
    }

    /** Metric names in README's metrics table (first column). */
    static Set<String> documentedMetrics() {
        Set<String> names = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(README)) {
                if (line.startsWith("| `geogate_")) {
                    Matcher metric = METRIC.matcher(line.substring(0, line.indexOf('|', 1)));
                    while (metric.find()) {
                        names.add(metric.group());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    // --- resources, security, shutdown, JVM ----------------------------------------------------

    /** Every container, init containers included, has CPU and memory requests and limits, requests within limits. */
    static List<String> resources(Manifests m) {
        List<String> problems = new ArrayList<>();
        for (Container c : m.allContainers()) {
            ResourceRequirements r = c.getResources();
            for (String resource : List.of("cpu", "memory")) {
                Quantity request = r == null ? null : r.getRequests().get(resource);
                Quantity limit = r == null ? null : r.getLimits().get(resource);
                if (request == null) {
                    problems.add(c.getName() + " has no " + resource + " request");
                }
                if (limit == null) {
                    problems.add(c.getName() + " has no " + resource + " limit");
                }
                if (request != null && limit != null && request.getNumericalAmount().compareTo(limit.getNumericalAmount()) > 0) {
                    problems.add(c.getName() + " requests more " + resource + " (" + request + ") than its limit (" + limit + ")");
                }
            }
        }
        return problems;
    }

    /** Nothing runs as root, can gain privileges, write its image or keep a capability; the runtime's seccomp profile applies. */
    static List<String> security(Manifests m) {
        List<String> problems = new ArrayList<>();
        PodSecurityContext pod = Objects.requireNonNullElseGet(m.pod().getSecurityContext(), PodSecurityContext::new);
        if (Boolean.TRUE.equals(m.pod().getHostNetwork()) || Boolean.TRUE.equals(m.pod().getHostPID())
                || Boolean.TRUE.equals(m.pod().getHostIPC())) {
            problems.add("the pod shares a host namespace");
        }
        for (Container c : m.allContainers()) {
            SecurityContext sc = Objects.requireNonNullElseGet(c.getSecurityContext(), SecurityContext::new);
            Boolean nonRoot = sc.getRunAsNonRoot() != null ? sc.getRunAsNonRoot() : pod.getRunAsNonRoot();
            Long user = sc.getRunAsUser() != null ? sc.getRunAsUser() : pod.getRunAsUser();
            SeccompProfile seccomp = sc.getSeccompProfile() != null ? sc.getSeccompProfile() : pod.getSeccompProfile();
            if (!Boolean.TRUE.equals(nonRoot)) {
                problems.add(c.getName() + " may run as root: runAsNonRoot is not true");
            }
            if (user == null || user == 0) {
                problems.add(c.getName() + " runs as user " + user + ": set a non-zero runAsUser");
            }
            if (seccomp == null || !Set.of("RuntimeDefault", "Localhost").contains(seccomp.getType())) {
                problems.add(c.getName() + " has no RuntimeDefault seccomp profile");
            }
            if (!Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) {
                problems.add(c.getName() + " can write its root filesystem: readOnlyRootFilesystem is not true");
            }
            if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                problems.add(c.getName() + " allows privilege escalation");
            }
            if (Boolean.TRUE.equals(sc.getPrivileged())) {
                problems.add(c.getName() + " is privileged");
            }
            Capabilities caps = sc.getCapabilities();
            if (caps == null || !caps.getDrop().contains("ALL")) {
                problems.add(c.getName() + " does not drop ALL capabilities");
            }
            if (caps != null && !caps.getAdd().isEmpty()) {
                problems.add(c.getName() + " adds capabilities " + caps.getAdd());
            }
        }
        return problems;
    }

    /** The grace period outlasts geogate's drain delay plus its wait for requests in flight. */
    static List<String> shutdown(Manifests m) {
        GeogateConfig.Shutdown s = AppConfiguration.geogate(config(m)).shutdown();
        long needed = s.drainDelay().plus(s.timeout()).toSeconds();
        Long grace = m.pod().getTerminationGracePeriodSeconds();
        long effective = grace == null ? 30 : grace; // Kubernetes' default
        if (effective <= needed) {
            return List.of("terminationGracePeriodSeconds " + effective + " is not above geogate.shutdown.drain-delay + geogate.shutdown.timeout ("
                    + needed + " s): the kubelet would kill requests in flight");
        }
        return List.of();
    }

    /** run-java.sh chooses a collector itself; a second one in JAVA_OPTS_APPEND stops the JVM ("Multiple garbage collectors selected"). */
    static List<String> jvm(Manifests m) {
        List<String> problems = new ArrayList<>();
        Map<String, String> env = Manifests.env(m.geogate());
        String append = env.getOrDefault("JAVA_OPTS_APPEND", "");
        Matcher gc = GC_FLAG.matcher(append);
        if (gc.find() && !env.containsKey("JAVA_OPTS")) {
            problems.add("JAVA_OPTS_APPEND selects " + gc.group() + " while run-java.sh adds its own collector: set GC_CONTAINER_OPTIONS instead");
        }
        String chosen = env.get("GC_CONTAINER_OPTIONS");
        if (chosen != null) {
            long collectors = GC_FLAG.matcher(chosen).results().count();
            if (collectors != 1) {
                problems.add("GC_CONTAINER_OPTIONS selects " + collectors + " collectors: " + chosen);
            }
        }
        if (!append.contains("-Djava.util.logging.manager=org.jboss.logmanager.LogManager")) {
            problems.add("JAVA_OPTS_APPEND replaces the image's and drops -Djava.util.logging.manager=org.jboss.logmanager.LogManager");
        }
        return problems;
    }

    // --- the policy and the client address ---------------------------------------------------

    /** The policy in the ConfigMap is valid, and a loopback datacenter is a port another container of the pod serves. */
    static List<String> policy(Manifests m) {
        List<String> problems = new ArrayList<>();
        String path = AppConfiguration.geogate(config(m)).policy().path();
        Optional<VolumeMount> mount = Manifests.mountHolding(m.geogate(), path);
        Optional<ConfigMap> map = mount.flatMap(v -> m.volume(v.getName())).filter(v -> v.getConfigMap() != null)
                .flatMap(v -> m.configMap(v.getConfigMap().getName()));
        if (map.isEmpty()) {
            return List.of("the policy " + path + " is not in a ConfigMap of the manifests");
        }
        String key = Path.of(mount.get().getMountPath()).relativize(Path.of(path)).toString();
        String text = map.get().getData().get(key);
        if (text == null) {
            return List.of("ConfigMap " + map.get().getMetadata().getName() + " has no " + key);
        }
        Policy policy;
        try {
            policy = PolicyParser.parse(text);
        } catch (InvalidPolicyException e) {
            return List.of("the policy in ConfigMap " + map.get().getMetadata().getName() + " is invalid: " + e.getMessage());
        }
        Map<Integer, String> served = new LinkedHashMap<>();
        for (Container c : m.pod().getContainers()) {
            if (!c.getName().equals(Manifests.GEOGATE)) {
                for (ContainerPort p : c.getPorts()) {
                    served.put(p.getContainerPort(), c.getName());
                }
            }
        }
        for (Datacenter dc : policy.datacenters()) {
            String host = dc.upstream().getHost();
            if (isLoopback(host) && !served.containsKey(dc.port())) {
                problems.add("datacenter " + dc.name() + " is " + dc.upstream() + ", a port no other container of the pod declares "
                        + served.keySet());
            }
        }
        return problems;
    }

    private static boolean isLoopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (h.equals("localhost")) {
            return true;
        }
        try {
            return h.matches("[0-9.]+|[0-9a-fA-F:]+") && InetAddress.getByName(h).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Clients arrive through a proxy (the ingress controller); geogate must be told which peers to believe, or
     * every client is the proxy's address, which has no country.
     */
    static List<String> clientAddress(Manifests m) {
        if (!Manifests.env(m.geogate()).containsKey(AppConfiguration.envName("geogate.trusted-proxies"))) {
            return List.of("GEOGATE_TRUSTED_PROXIES is not set: geogate would believe no forwarding header from the ingress");
        }
        List<String> problems = new ArrayList<>();
        boolean beyondLoopback = false;
        for (String cidr : AppConfiguration.geogate(config(m)).trustedProxies()) {
            try {
                beyondLoopback |= !Cidr.parse(cidr).network().isLoopbackAddress();
            } catch (IllegalArgumentException e) {
                problems.add("geogate.trusted-proxies: " + e.getMessage());
            }
        }
        if (!beyondLoopback && problems.isEmpty()) {
            problems.add("geogate.trusted-proxies lists loopback only: the ingress controller's forwarding headers would be ignored");
        }
        return problems;
    }

    private static final Pattern KEY = Pattern.compile("\\b(?:geogate|quarkus)\\.[a-z0-9-]+(?:\\.[a-z0-9\"-]+)*");

    /** Every geogate.* and quarkus.* key a text names is a key the application or Quarkus has (or a group of them). */
    static List<String> keysMentioned(String where, String text) {
        Set<String> known = new TreeSet<>(AppConfiguration.geogateKeys());
        known.addAll(AppConfiguration.quarkusKeys());
        List<String> problems = new ArrayList<>();
        Matcher key = KEY.matcher(text);
        while (key.find()) {
            String k = key.group().replaceAll("[.-]+$", "");
            if (k.contains("\"")) {
                continue; // a map key, e.g. quarkus.log.category."geogate.audit".level: not checkable against the model
            }
            if (!known.contains(k) && known.stream().noneMatch(x -> x.startsWith(k + "."))) {
                problems.add(where + " names " + k + ", which is no configuration key");
            }
        }
        return problems;
    }

    private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
        return selector != null && !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
    }

    private static boolean selects(LabelSelector selector, Map<String, String> labels) {
        return selector != null && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty())
                && selects(selector.getMatchLabels(), labels);
    }

    static final Path AUTHZ = Path.of("k8s/authz");
    private static final Pattern AUTHZ_CONTAINER_PORT = Pattern.compile("name: (authz-[a-z]+), containerPort: (\\d+)");
    private static final Pattern AUTHZ_PORT_ENV = Pattern.compile("GEOGATE_AUTHZ_(?:GRPC|HTTP)_PORT, value: \"(\\d+)\"");
    private static final Pattern AUTHZ_ADDRESS = Pattern.compile("(?:geogate-authz[\\w.-]*:|server geogate:|port_value: |\\bport: )(\\d+)");

    /**
     * k8s/authz next to an overlay: the ports service.yaml tells to add to geogate's container are turned on
     * by its variables, collide with no port of the pod, are the ones the Service targets and every ingress
     * configuration calls, and networkpolicy.yaml admits them from named peers only.
     */
    static List<String> decisionService(Manifests m) {
        List<String> problems = new ArrayList<>();
        String serviceYaml = read(AUTHZ.resolve("service.yaml"));
        Service service = Manifests.parse(AUTHZ, serviceYaml).one(Service.class);
        NetworkPolicy np = Manifests.parse(AUTHZ, read(AUTHZ.resolve("networkpolicy.yaml"))).one(NetworkPolicy.class);
        Map<String, Integer> added = new LinkedHashMap<>();
        for (Matcher c = AUTHZ_CONTAINER_PORT.matcher(serviceYaml); c.find(); ) {
            added.put(c.group(1), Integer.parseInt(c.group(2)));
        }
        Set<Integer> turnedOn = new TreeSet<>();
        for (Matcher e = AUTHZ_PORT_ENV.matcher(serviceYaml); e.find(); ) {
            turnedOn.add(Integer.parseInt(e.group(1)));
        }
        if (added.size() != 2 || !turnedOn.equals(new TreeSet<>(added.values()))) {
            problems.add("service.yaml turns on ports " + turnedOn + " but adds the container ports " + added);
        }
        Set<Integer> taken = new TreeSet<>(List.of(listenPort(m), httpPort(m)));
        for (Container c : m.allContainers()) {
            for (ContainerPort port : c.getPorts()) {
                taken.add(port.getContainerPort());
            }
        }
        for (int port : added.values()) {
            if (taken.contains(port)) {
                problems.add("decision port " + port + " is already used in the pod " + taken);
            }
        }
        if (!selects(service.getSpec().getSelector(), m.podLabels())) {
            problems.add("the decision Service selects " + service.getSpec().getSelector() + ", not the pods " + m.podLabels());
        }
        Set<Integer> servicePorts = new TreeSet<>();
        for (ServicePort port : service.getSpec().getPorts()) {
            servicePorts.add(port.getPort());
            Integer target = added.get(port.getTargetPort().getStrVal());
            if (target == null) {
                problems.add("the decision Service targets " + port.getTargetPort() + ", which service.yaml does not add");
            }
        }
        if (!selects(np.getSpec().getPodSelector(), m.podLabels())) {
            problems.add("the decision NetworkPolicy selects " + np.getSpec().getPodSelector() + ", not the pods " + m.podLabels());
        }
        Set<Integer> admitted = new TreeSet<>();
        for (NetworkPolicyIngressRule rule : np.getSpec().getIngress()) {
            if (rule.getFrom().isEmpty() || rule.getFrom().stream().anyMatch(ManifestChecks::everyone)) {
                problems.add("the decision NetworkPolicy admits " + rule.getPorts() + " from everyone, not the ingress only");
            }
            for (NetworkPolicyPort port : rule.getPorts()) {
                if (port.getPort() == null || port.getPort().getIntVal() == null || !added.containsValue(port.getPort().getIntVal())) {
                    problems.add("the decision NetworkPolicy opens " + port.getPort() + ", not a decision port");
                } else {
                    admitted.add(port.getPort().getIntVal());
                }
            }
        }
        if (!admitted.equals(new TreeSet<>(added.values()))) {
            problems.add("the decision NetworkPolicy admits " + admitted + ", not the decision ports " + added.values());
        }
        try (var files = Files.walk(AUTHZ)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                if (f.endsWith("service.yaml") || f.endsWith("networkpolicy.yaml")) {
                    continue;
                }
                for (Matcher a = AUTHZ_ADDRESS.matcher(read(f)); a.find(); ) {
                    if (!servicePorts.contains(Integer.parseInt(a.group(1)))) {
                        problems.add(f + " calls geogate on " + a.group(1) + ", not a port of the decision Service " + servicePorts);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return problems;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
