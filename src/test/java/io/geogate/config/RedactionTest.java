package io.geogate.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class RedactionTest {

    @ParameterizedTest
    @CsvSource({
        "redis://user:s3cr3t@10.0.0.1:6379, redis://user:***@10.0.0.1:6379",
        "redis://:s3cr3t@10.0.0.1:6379/0, redis://:***@10.0.0.1:6379/0",
        "rediss://s3cr3t@redis.example:6380, rediss://***@redis.example:6380",
        "redis://10.0.0.1:6379?password=s3cr3t&db=1, redis://10.0.0.1:6379?password=***&db=1",
        "redis://u:p%40ss%3Aw0rd@host:1, redis://u:***@host:1",
        "redis://127.0.0.1:6379, redis://127.0.0.1:6379",
        "'redis://:a1@s1:26379,redis://:b2@s2:26379', 'redis://:***@s1:26379,redis://:***@s2:26379'",
    })
    void passwordsInUrlsAreHidden(String url, String shown) {
        assertThat(Redaction.url(url)).isEqualTo(shown);
    }
}
