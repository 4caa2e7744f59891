package io.geogate.testing;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Multiplies every property's tries by the system property {@code geogate.tries.scale} (default 1),
 * so that CI runs the bounded numbers written on the properties and a longer run is one flag away:
 * {@code ./mvnw test -Dtest='*Properties' -Dgeogate.tries.scale=100}. Properties classes opt in with
 * {@code @AddLifecycleHook(ScaledTries.class)}.
 */
public final class ScaledTries implements AroundPropertyHook {

    /** The multiplier in force: at least 1. */
    public static int scale() {
        return Math.max(1, Integer.getInteger("geogate.tries.scale", 1));
    }

    /** Registered on a class, it applies to every property in it. */
    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        int scale = scale();
        if (scale > 1) {
            context.attributes().tries().ifPresent(tries -> context.attributes().setTries(tries * scale));
        }
        return property.execute();
    }
}
