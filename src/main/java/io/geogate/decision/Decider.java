package io.geogate.decision;

import io.geogate.country.CountryCode;
import io.geogate.policy.Datacenter;
import io.geogate.policy.Mode;
import io.geogate.policy.Policy;
import io.geogate.policy.Restriction;
import io.geogate.policy.Rule;

import java.time.Instant;
import java.util.Optional;

/**
 * The decision table of the contract, as a pure function: no clock, no I/O, no state. The data
 * plane and {@code /admin/decide} both call it, so they cannot disagree.
 *
 * <p>For a restriction on country C, from its cutoff: an account homed in C is refused wherever it
 * connects from; a request with no account from inside C is refused if the restriction says
 * {@code anonymous: refuse}; an account homed elsewhere, inside C, is a visitor and is served by its
 * home's datacenter. Within the notice window before the cutoff, the requests that will be refused
 * are served with a notice. Any refusal wins over a notice (earliest cutoff first), which wins over
 * a visit.
 */
public final class Decider {

    private Decider() {
    }

    public static Decision decide(Facts facts, Policy policy, Instant now) {
        Optional<CountryCode> home = facts.home();
        Datacenter route = home.map(policy::datacenterFor).orElseGet(policy::defaultDatacenter);

        Restriction refusal = null;
        Reason refusalReason = null;
        Restriction notice = null;
        Reason noticeReason = null;
        Restriction visit = null;
        for (Restriction r : policy.restrictions()) {
            Reason wouldRefuse = wouldRefuse(r, facts);
            if (wouldRefuse != null) {
                if (!now.isBefore(r.cutoff())) {
                    if (refusal == null || r.cutoff().isBefore(refusal.cutoff())) {
                        refusal = r;
                        refusalReason = wouldRefuse;
                    }
                } else if (!now.isBefore(r.noticeFrom()) && (notice == null || r.cutoff().isBefore(notice.cutoff()))) {
                    notice = r;
                    noticeReason = wouldRefuse;
                }
            } else if (isVisit(r, facts) && !now.isBefore(r.cutoff())
                    && (visit == null || r.cutoff().isBefore(visit.cutoff()))) {
                visit = r;
            }
        }

        boolean enforced = policy.mode() == Mode.ENFORCE;
        if (refusal != null) {
            return new Decision.Refuse(refusalReason, route, Optional.of(refusal), enforced);
        }
        if (notice != null) {
            return new Decision.Notice(noticeReason, route, notice);
        }
        if (visit != null) {
            return new Decision.Allow(Reason.VISITOR, route, Optional.of(visit));
        }
        if (facts.account().isEmpty() && facts.country().isEmpty()) {
            return policy.unknownCountry() == Rule.REFUSE
                    ? new Decision.Refuse(Reason.UNKNOWN_COUNTRY, route, Optional.empty(), enforced)
                    : new Decision.Allow(Reason.UNKNOWN_COUNTRY, route, Optional.empty());
        }
        return new Decision.Allow(Reason.UNRESTRICTED, route, Optional.empty());
    }

    /** The reason {@code r} refuses this request once in force, or null if it never will. */
    private static Reason wouldRefuse(Restriction r, Facts facts) {
        Optional<CountryCode> home = facts.home();
        if (home.isPresent()) {
            return home.get().equals(r.country()) ? Reason.HOME_IN_RESTRICTED_COUNTRY : null;
        }
        boolean inside = facts.country().map(r.country()::equals).orElse(false);
        return inside && r.anonymous() == Rule.REFUSE ? Reason.ANONYMOUS_IN_RESTRICTED_COUNTRY : null;
    }

    private static boolean isVisit(Restriction r, Facts facts) {
        return facts.home().isPresent() && facts.country().map(r.country()::equals).orElse(false);
    }
}
