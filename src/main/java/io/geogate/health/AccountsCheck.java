package io.geogate.health;

import io.geogate.account.AccountDirectory;
import io.geogate.snapshot.Component;
import io.geogate.snapshot.SnapshotManager;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * UP when a directory is loaded, or a remote one has answered since start (while it is serving from
 * its cache, {@code reachable: false} says so); DOWN when no directory could ever be used.
 */
@Readiness
@ApplicationScoped
public class AccountsCheck implements HealthCheck {

    @Inject
    SnapshotManager snapshots;

    @Override
    public HealthCheckResponse call() {
        AccountDirectory accounts = snapshots.current().accounts();
        HealthCheckResponseBuilder b = HealthCheckResponse.named(Component.ACCOUNTS.word())
                .status(accounts.ready())
                .withData("source", accounts.source())
                .withData("reachable", accounts.reachable());
        accounts.size().ifPresent(n -> b.withData("count", n));
        Refusals.describe(b, snapshots, Component.ACCOUNTS);
        return b.build();
    }
}
