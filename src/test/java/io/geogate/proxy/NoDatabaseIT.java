package io.geogate.proxy;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** No database, against the packaged application. */
@QuarkusIntegrationTest
class NoDatabaseIT extends NoDatabaseTest {
}
