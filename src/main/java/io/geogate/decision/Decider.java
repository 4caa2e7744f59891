package io.geogate.decision;

import io.geogate.country.CountryCode;
import io.geogate.policy.Datacenter;
import io.geogate.policy.Mode;
import io.geogate.policy.Policy;
import io.geogate.policy.Restriction;
import io.geogate.policy.Rule;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The decision table of the contract: no clock, no I/O; it remembers the decisions of the last two policies it
 * saw, so the same facts, policy and instant always give the same decision. The data plane, the decision
 * service and {@code /admin/decide} all call it, so they cannot disagree.
 *
 * <p>For a restriction on country C, from its cutoff: an account homed in C is refused wherever it
 * connects from; a request with no account from inside C is refused if the restriction says
 * {@code anonymous: refuse}; an account homed elsewhere, inside C, is a visitor and is served by its
 * home's datacenter. Within the notice window before the cutoff, the requests that will be refused
 * are served with a notice. Any refusal wins over a notice (earliest cutoff first), which wins over
 * a visit.
 *
 * <p>The decisions themselves are made once per policy (those of the last two decided with are kept), so deciding
 * is a loop over the restrictions and an array read: no allocation on the request path.
 */
public final class Decider {

    private Decider() {
    }

    /**
     * The outcomes of the two policies decided with last: a reload changes them, a request only reads them. Two,
     * because for a moment after a reload requests decided on the old snapshot and on the new one interleave.
     */
    private static volatile Outcomes last;
    private static volatile Outcomes previous;

    public static Decision decide(Facts facts, Policy policy, Instant now) {
        Outcomes outcomes = last;
        if (outcomes == null || outcomes.policy != policy) {
            Outcomes before = previous;
            if (before != null && before.policy == policy) {
                // The most recent first, so that the two kept are the two used last.
                outcomes = before;
                previous = last;
                last = before;
            } else {
                outcomes = new Outcomes(policy);
                previous = last;
                last = outcomes;
            }
        }
        // Plain locals rather than the facts' Optionals: deciding allocates nothing.
        CountryCode home = facts.account().isPresent() ? facts.account().get().home() : null;
        CountryCode country = facts.country().orElse(null);
        int route = outcomes.datacenterFor(home);

        List<Restriction> restrictions = policy.restrictions();
        int refusal = -1;
        int notice = -1;
        int visit = -1;
        for (int i = 0; i < restrictions.size(); i++) {
            Restriction r = restrictions.get(i);
            if (wouldRefuse(r, home, country)) {
                if (!now.isBefore(r.cutoff())) {
                    if (refusal < 0 || r.cutoff().isBefore(restrictions.get(refusal).cutoff())) {
                        refusal = i;
                    }
                } else if (!now.isBefore(r.noticeFrom())
                        && (notice < 0 || r.cutoff().isBefore(restrictions.get(notice).cutoff()))) {
                    notice = i;
                }
            } else if (home != null && r.country().equals(country) && !now.isBefore(r.cutoff())
                    && (visit < 0 || r.cutoff().isBefore(restrictions.get(visit).cutoff()))) {
                visit = i;
            }
        }

        int reason = home != null ? Outcomes.HOME : Outcomes.ANONYMOUS;
        if (refusal >= 0) {
            return outcomes.refuse[reason][refusal][route];
        }
        if (notice >= 0) {
            return outcomes.notice[reason][notice][route];
        }
        if (visit >= 0) {
            return outcomes.visit[visit][route];
        }
        if (home == null && country == null) {
            return outcomes.unknownCountry[route];
        }
        return outcomes.unrestricted[route];
    }

    /** Whether {@code r} refuses this request once in force: the account's home, or an anonymous client inside. */
    private static boolean wouldRefuse(Restriction r, CountryCode home, CountryCode country) {
        if (home != null) {
            return home.equals(r.country());
        }
        return r.country().equals(country) && r.anonymous() == Rule.REFUSE;
    }

    /**
     * Every decision one policy can give, made when the policy is first decided with: a decision is a choice
     * among these, indexed by restriction and datacenter.
     */
    private static final class Outcomes {

        static final int HOME = 0;
        static final int ANONYMOUS = 1;

        final Policy policy;
        private final List<Datacenter> datacenters;
        private final int defaultDatacenter;
        /** [HOME or ANONYMOUS][restriction][datacenter] */
        final Decision[][][] refuse;
        final Decision[][][] notice;
        /** [restriction][datacenter] */
        final Decision[][] visit;
        /** [datacenter] */
        final Decision[] unknownCountry;
        final Decision[] unrestricted;

        Outcomes(Policy policy) {
            this.policy = policy;
            this.datacenters = policy.datacenters();
            this.defaultDatacenter = datacenters.indexOf(policy.defaultDatacenter());
            List<Restriction> rs = policy.restrictions();
            int n = rs.size();
            int d = datacenters.size();
            boolean enforced = policy.mode() == Mode.ENFORCE;
            Reason[] reasons = {Reason.HOME_IN_RESTRICTED_COUNTRY, Reason.ANONYMOUS_IN_RESTRICTED_COUNTRY};
            refuse = new Decision[2][n][d];
            notice = new Decision[2][n][d];
            visit = new Decision[n][d];
            unknownCountry = new Decision[d];
            unrestricted = new Decision[d];
            for (int j = 0; j < d; j++) {
                Datacenter dc = datacenters.get(j);
                for (int i = 0; i < n; i++) {
                    Restriction r = rs.get(i);
                    for (int k = 0; k < 2; k++) {
                        refuse[k][i][j] = new Decision.Refuse(reasons[k], dc, Optional.of(r), enforced);
                        notice[k][i][j] = new Decision.Notice(reasons[k], dc, r);
                    }
                    visit[i][j] = new Decision.Allow(Reason.VISITOR, dc, Optional.of(r));
                }
                unknownCountry[j] = policy.unknownCountry() == Rule.REFUSE
                        ? new Decision.Refuse(Reason.UNKNOWN_COUNTRY, dc, Optional.empty(), enforced)
                        : new Decision.Allow(Reason.UNKNOWN_COUNTRY, dc, Optional.empty());
                unrestricted[j] = new Decision.Allow(Reason.UNRESTRICTED, dc, Optional.empty());
            }
        }

        /** The index of the datacenter serving {@code home} (null: no account), the default one if none lists it. */
        int datacenterFor(CountryCode home) {
            if (home != null) {
                for (int j = 0; j < datacenters.size(); j++) {
                    if (datacenters.get(j).homes().contains(home)) {
                        return j;
                    }
                }
            }
            return defaultDatacenter;
        }
    }
}
