package io.geogate.account;

import io.geogate.testing.GatewayEnvironment;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The home-source contract with homes from the account file. */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "jwt", value = "rsa"))
class FileHomesTest extends HomeSourceContract {
}
