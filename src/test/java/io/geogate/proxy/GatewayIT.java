package io.geogate.proxy;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The data plane tests, against the packaged application. */
@QuarkusIntegrationTest
class GatewayIT extends GatewayTest {
}
