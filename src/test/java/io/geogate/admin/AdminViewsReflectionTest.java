package io.geogate.admin;

import io.quarkus.runtime.annotations.RegisterForReflection;
import org.junit.jupiter.api.Test;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Jackson serialises the admin views reflectively. Quarkus registers a resource method's declared return type for
 * reflection, but not an entity inside a {@code Response}, nor a type behind a wildcard: a native executable then
 * answers 500. Every view, and every geogate type a view contains, must carry {@link RegisterForReflection}.
 */
class AdminViewsReflectionTest {

    @Test
    void everyViewAndEveryGeogateTypeInsideOneIsRegisteredForReflection() {
        Set<Class<?>> seen = new LinkedHashSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>(java.util.List.of(AdminViews.class.getDeclaredClasses()));
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            if (!seen.add(c)) {
                continue;
            }
            assertThat(c.isAnnotationPresent(RegisterForReflection.class)).as(c.getName()).isTrue();
            for (RecordComponent rc : c.getRecordComponents()) {
                collect(rc.getGenericType(), todo);
            }
        }
        assertThat(seen).contains(AdminViews.Problem.class, AdminViews.FieldError.class, AdminViews.Decide.class,
                AdminViews.PolicyChange.class, io.geogate.telemetry.NoticeFigures.NoticeFigure.class);
    }

    private static void collect(Type type, Deque<Class<?>> todo) {
        if (type instanceof ParameterizedType p) {
            for (Type argument : p.getActualTypeArguments()) {
                collect(argument, todo);
            }
            collect(p.getRawType(), todo);
        } else if (type instanceof Class<?> c && c.getName().startsWith("io.geogate.")) {
            assertThat(c.isRecord()).as(c.getName() + " in an admin view").isTrue();
            todo.add(c);
        } else {
            assertThat(type.getTypeName()).as("a wildcard or type variable hides the serialised type from the native build")
                    .doesNotContain("?");
        }
    }
}
