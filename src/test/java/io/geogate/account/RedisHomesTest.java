package io.geogate.account;

import io.geogate.testing.GatewayEnvironment;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The home-source contract with homes from a real redis-server. */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "jwt", value = "rsa"), @ResourceArg(name = "directory", value = "redis")})
class RedisHomesTest extends HomeSourceContract {
}
