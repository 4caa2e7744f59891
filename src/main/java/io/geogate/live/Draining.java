package io.geogate.live;

import jakarta.enterprise.context.ApplicationScoped;

/** Whether the gateway is shutting down; readiness reports DOWN from the moment it is. */
@ApplicationScoped
public class Draining {

    private volatile boolean draining;

    public void start() {
        draining = true;
    }

    public boolean isDraining() {
        return draining;
    }
}
