package io.geogate.geo;

import com.maxmind.db.MaxMindDbConstructor;
import com.maxmind.db.MaxMindDbParameter;

/**
 * The only part of an MMDB record geogate decodes: GeoIP2/GeoLite2 keep the country under
 * {@code country.iso_code}, DB-IP and ip-location-db files under a flat {@code country_code}.
 * Everything else in the record is skipped by the decoder. Public because the decoder
 * instantiates it reflectively.
 */
public record CountryRecord(Country country, String countryCode) {

    @MaxMindDbConstructor
    public CountryRecord(@MaxMindDbParameter(name = "country") Country country,
                  @MaxMindDbParameter(name = "country_code") String countryCode) {
        this.country = country;
        this.countryCode = countryCode;
    }

    /** The ISO code, from whichever schema the file uses; null when the record has none. */
    String isoCode() {
        if (country != null && country.isoCode() != null) {
            return country.isoCode();
        }
        return countryCode;
    }

    /** GeoIP2's nested country object. */
    public record Country(String isoCode) {
        @MaxMindDbConstructor
        public Country(@MaxMindDbParameter(name = "iso_code") String isoCode) {
            this.isoCode = isoCode;
        }
    }
}
