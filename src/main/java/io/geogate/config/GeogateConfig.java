package io.geogate.config;

import io.geogate.address.ForwardedHeader;
import io.geogate.geo.GeoDatabase;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** All of geogate's configuration, under the {@code geogate.} prefix; read once at start-up. */
@ConfigMapping(prefix = "geogate")
public interface GeogateConfig {

    /** The data plane listener. */
    Listen listen();

    /** CIDR ranges (IPv4 and IPv6) whose forwarding headers are believed. */
    @WithDefault("127.0.0.1/32,::1/128")
    List<String> trustedProxies();

    /** Which header carries the forwarding chain: {@code x-forwarded-for} or {@code forwarded} (RFC 7239). */
    @WithDefault("x-forwarded-for")
    ForwardedHeader forwardedHeader();

    /** A single header naming the client (e.g. {@code CF-Connecting-IP}), believed from trusted peers instead of the chain. */
    Optional<String> clientIpHeader();

    /** The country database. */
    Geo geo();

    /** Accounts and their home countries. */
    Accounts accounts();

    /** The policy document. */
    PolicyFile policy();

    /** Connections to the datacenters. */
    Upstream upstream();

    /** Watching input files for changes. */
    Reload reload();

    /** Limits a production edge puts on clients. */
    Limits limits();

    /** Stopping without dropping requests. */
    Shutdown shutdown();

    /** Example datacenters for trying geogate out. */
    Demo demo();

    /** The decision service for an ingress that already exists (Envoy, Istio, nginx, Traefik); off by default. */
    Authz authz();

    /** The operator API under {@code /admin} on the control plane. */
    Admin admin();

    /** The audit log of refusals and policy changes. */
    Audit audit();

    /** Data plane listener. */
    interface Listen {
        /** Port of the data plane (client traffic); never serves health, admin or metrics. */
        @WithDefault("8080")
        int port();

        /** Address the data plane binds to. */
        @WithDefault("0.0.0.0")
        String host();
    }

    /** Country database. */
    interface Geo {
        /** Path of the MMDB file (GeoIP2/GeoLite2 or flat {@code country_code} schema). */
        @WithDefault("geo-data/geo-whois-asn-country.mmdb")
        String database();

        /** Age past which the database is reported stale (it stays in service). */
        @WithDefault("P45D")
        Duration maxAge();

        /**
         * How the file is held: {@code memory} reads it into the heap once (its size, about 8 MB for the
         * bundled one, per process), so rewriting the file in place ({@code cp new.mmdb geo.mmdb}) cannot
         * disturb the copy in service; {@code mapped} memory-maps it, sharing the page cache between
         * sidecars on a node, and the file must then only ever be replaced by rename, as geoipupdate does
         * (rewritten in place, requests get 503 until the watcher reads a valid file again).
         */
        @WithDefault("memory")
        GeoDatabase.FileMode fileMode();
    }

    /** Accounts. */
    interface Accounts {
        /** Header naming the account, believed only from trusted proxies. */
        @WithDefault("X-Account-Id")
        String header();

        /** Where homes come from when a token has none: {@code file} or {@code redis}. */
        @WithDefault("file")
        DirectoryKind directory();

        /** CSV file with the header {@code account,home} (directory {@code file}); empty means no accounts at all. */
        @WithDefault("config/accounts.csv")
        Optional<String> file();

        /** Bearer tokens that name the account (and maybe its home). */
        Jwt jwt();

        /** The Redis directory (directory {@code redis}). */
        Redis redis();

        /** The in-process cache of directory answers (directory {@code redis}). */
        Cache cache();

        /** What a request whose account cannot be resolved (directory down) becomes: {@code anonymous} or {@code refuse} (503). */
        @WithDefault("anonymous")
        Unavailable unavailable();
    }

    /** Where account homes are looked up. */
    enum DirectoryKind {
        FILE, REDIS
    }

    /** Bearer tokens. */
    interface Jwt {
        /** PEM public key (the text, or a file) or JWKS file that tokens must be signed with; unset: tokens are ignored. */
        Optional<String> publicKey();

        /** Required {@code iss}; must be set when a public key is. */
        Optional<String> issuer();

        /** Required {@code aud}, when set. */
        Optional<String> audience();

        /** Claim holding the account's home country; it wins over the directory. */
        @WithDefault("home")
        String homeClaim();

        /** Tolerance on {@code nbf} and {@code exp}. */
        @WithDefault("60s")
        Duration clockSkew();
    }

    /** Redis directory. */
    interface Redis {
        /** Redis server, e.g. {@code redis://127.0.0.1:6379}; the key {@code geogate:account:<id>} holds the home. */
        @WithDefault("redis://127.0.0.1:6379")
        String url();

        /** Longest wait for Redis before the cache or {@code geogate.accounts.unavailable} decides. */
        @WithDefault("250ms")
        Duration timeout();
    }

    /** Directory answer cache. */
    interface Cache {
        /** How long an answer ("unknown" included) is used without asking the directory again. */
        @WithDefault("5m")
        Duration ttl();

        /** Most accounts remembered. */
        @WithDefault("100000")
        int maxSize();
    }

    /** Treatment of accounts the directory cannot resolve. */
    enum Unavailable {
        ANONYMOUS, REFUSE
    }

    /** Policy document. */
    interface PolicyFile {
        /** Path of the policy (YAML or JSON). */
        @WithDefault("config/policy.yaml")
        @WithName("file")
        String path();
    }

    /** Datacenter connections. */
    interface Upstream {
        /** Longest wait from the end of the request body to the upstream's response headers before answering 504 (and for a pooled connection, 503). */
        @WithDefault("30s")
        Duration timeout();

        /** Longest wait for a TCP connection to an upstream before answering 502. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** Most HTTP/1.1 connections kept per datacenter. */
        @WithDefault("256")
        int maxConnections();

        /** Requests that may wait for a connection to a datacenter when all are busy; past this, 503. */
        @WithDefault("1024")
        int maxWaiting();

        /** PEM files of the CA certificates that https datacenters are verified against; unset: the JVM's trust store. */
        Optional<List<String>> trustCertificates();
    }

    /** Client limits. */
    interface Limits {
        /** Largest request head (request line and headers) in bytes; past this, 431. */
        @WithDefault("16384")
        int maxHeaderSize();

        /** Most request header fields; past this, 431. */
        @WithDefault("100")
        int maxHeaderCount();

        /** Largest request body in bytes; past this, 413 (a chunked body is cut when it crosses it). Unset: no limit. */
        Optional<Long> maxBody();

        /** A client connection with no traffic for this long is closed (WebSocket clients should ping). */
        @WithDefault("120s")
        Duration idleTimeout();

        /** Longest time from the first byte of a request head (or the accept, for the first) to its last; past this the connection is closed. */
        @WithDefault("10s")
        Duration requestHeaderTimeout();

        /** Most client connections open at once on the data plane; past this, new ones are closed at once. */
        @WithDefault("10000")
        int maxConnections();

        /** Most concurrent streams an HTTP/2 client may open on one connection. */
        @WithDefault("128")
        int maxConcurrentStreams();
    }

    /** Graceful shutdown. */
    interface Shutdown {
        /** After SIGTERM: readiness fails at once, new connections are still accepted this long, so endpoints are removed first. */
        @WithDefault("5s")
        Duration drainDelay();

        /** Longest wait for requests in flight to finish before long-lived exchanges are ended with a going-away signal. */
        @WithDefault("30s")
        Duration timeout();
    }

    /** Input file watching. */
    interface Reload {
        /** How often the policy, database and account files are checked for changes. */
        @WithDefault("2s")
        Duration interval();
    }

    /** Operator API. */
    interface Admin {
        /** Bearer token for {@code /admin/*}; with neither this nor a token file, every admin call is 401. */
        Optional<String> token();

        /** File holding the bearer token (wins over {@code geogate.admin.token}); re-read when it changes. */
        Optional<String> tokenFile();
    }

    /** Audit log. */
    interface Audit {
        /** Client addresses in audit lines: {@code full}, or {@code truncated} to /24 (IPv4) and /48 (IPv6). */
        @WithDefault("full")
        AddressDetail address();

        /** Audit lines waiting to be written; past this, lines are dropped and counted, never waited for. */
        @WithDefault("10000")
        int queueSize();
    }

    /** How much of a client address the audit log keeps. */
    enum AddressDetail {
        FULL, TRUNCATED
    }

    /** Decision service: the data plane's decision, answered to an ingress instead of proxied. */
    interface Authz {
        /** Envoy's ext_authz over gRPC. */
        AuthzGrpc grpc();

        /** Forward-auth over HTTP. */
        AuthzHttp http();
    }

    /** The gRPC decision service; it binds to {@code geogate.listen.host}. */
    interface AuthzGrpc {
        /** Port of {@code envoy.service.auth.v3.Authorization/Check} (1-65535); unset: the service is off. */
        Optional<Integer> port();
    }

    /** The HTTP decision service; it binds to {@code geogate.listen.host}. */
    interface AuthzHttp {
        /** Port of the forward-auth service for Envoy HTTP ext_authz, Traefik ForwardAuth and nginx auth_request (1-65535); unset: off. */
        Optional<Integer> port();
    }

    /** Example datacenters. */
    interface Demo {
        /** Starts a small HTTP server for each loopback datacenter of the policy, answering with what it received. */
        @WithDefault("false")
        boolean enabled();
    }
}
