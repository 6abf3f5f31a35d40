// Package versioning is the api_versioning policy: the API version of a
// request is read from its path, a header, a query parameter or the
// vendor media type it accepts, checked against the configured versions
// (with a default), told to the service, and deprecated versions are
// announced with Deprecation (RFC 9745), Sunset (RFC 8594) and Link
// headers and counted.
package versioning

import (
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	// Validate phase: after authentication, so the deprecation metric
	// knows the consumer; before the transforms, which may use the
	// version's upstream path.
	pipeline.Register("api_versioning", pipeline.PhaseValidate, func() pipeline.Spec { return &Spec{} })
}

// Where the version is read from.
const (
	SourcePath      = "path"
	SourceHeader    = "header"
	SourceQuery     = "query"
	SourceMediaType = "media_type"
)

// Defaults of the settings.
const (
	DefaultHeader         = "Api-Version"
	DefaultQuery          = "version"
	DefaultUpstreamHeader = "X-Api-Version"
)

// Spec is the settings of api_versioning.
type Spec struct {
	// Source is where the version is read: path (the first path segment,
	// "v2" for version "2"), header, query or media_type
	// ("Accept: application/vnd.VENDOR.v2+json"). Required.
	Source string `yaml:"source"`
	// Header is the request header holding the version with source
	// header. Default "Api-Version".
	Header string `yaml:"header"`
	// Query is the query parameter holding the version with source
	// query. Default "version".
	Query string `yaml:"query"`
	// Vendor is the VENDOR of application/vnd.VENDOR.vN+json with source
	// media_type. Required for that source.
	Vendor string `yaml:"vendor"`
	// StripPath removes the version segment from the path the service
	// receives (source path only).
	StripPath bool `yaml:"strip_path"`
	// Default is the version of a request that names none. Without it,
	// such a request is refused with 400.
	Default string `yaml:"default"`
	// UpstreamHeader tells the service the chosen version. Default
	// "X-Api-Version". A client cannot set it.
	UpstreamHeader string `yaml:"upstream_header"`
	// Versions are the versions served. Required.
	Versions []Version `yaml:"versions"`
}

// Version is one served version.
type Version struct {
	// Name is the version as clients write it after the "v": "2", "2.1".
	Name string `yaml:"name"`
	// Deprecation marks the version deprecated.
	Deprecation *Deprecation `yaml:"deprecation"`
}

// Deprecation announces that a version is going away.
type Deprecation struct {
	// Since is when the version was (or will be) deprecated, RFC 3339.
	// Sent as the Deprecation header (RFC 9745). Required.
	Since string `yaml:"since"`
	// Sunset is when the version stops answering, RFC 3339. Sent as the
	// Sunset header (RFC 8594).
	Sunset string `yaml:"sunset"`
	// Link is a page about the deprecation, sent as
	// Link: <URL>; rel="deprecation".
	Link string `yaml:"link"`
	// SunsetLink is a page about the sunset, sent as
	// Link: <URL>; rel="sunset".
	SunsetLink string `yaml:"sunset_link"`
}

var versionName = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$`)
var vendorName = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.-]{0,63}$`)

// Validate checks the settings.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	add := func(p config.Path, f string, args ...any) { errs = append(errs, config.Errorf(p, f, args...)) }
	switch s.Source {
	case SourcePath, SourceHeader, SourceQuery, SourceMediaType:
	case "":
		add(at.Field("source"), "required: path, header, query or media_type")
	default:
		add(at.Field("source"), "unknown source %q: use path, header, query or media_type", s.Source)
	}
	if s.Header != "" {
		if p := config.RequestHeaderProblem(s.Header); p != "" {
			add(at.Field("header"), "%s", p)
		} else if s.Source != SourceHeader {
			add(at.Field("header"), "only meaningful with source: header")
		}
	}
	if s.Query != "" && s.Source != SourceQuery {
		add(at.Field("query"), "only meaningful with source: query")
	}
	if s.Source == SourceMediaType && s.Vendor == "" {
		add(at.Field("vendor"), "required with source: media_type")
	} else if s.Vendor != "" && !vendorName.MatchString(s.Vendor) {
		add(at.Field("vendor"), "invalid vendor name %q", s.Vendor)
	}
	if s.StripPath && s.Source != SourcePath {
		add(at.Field("strip_path"), "only meaningful with source: path")
	}
	if s.UpstreamHeader != "" {
		if p := config.RequestHeaderProblem(s.UpstreamHeader); p != "" {
			add(at.Field("upstream_header"), "%s", p)
		}
	}
	if len(s.Versions) == 0 {
		add(at.Field("versions"), "needs at least one version")
	}
	seen := map[string]bool{}
	for i, v := range s.Versions {
		vp := at.Field("versions").Index(i)
		if !versionName.MatchString(v.Name) {
			add(vp.Field("name"), "invalid version %q: letters, digits, \".\", \"_\", \"-\" (the \"v\" is not part of it)", v.Name)
		}
		if seen[v.Name] {
			add(vp.Field("name"), "version %q listed twice", v.Name)
		}
		seen[v.Name] = true
		if d := v.Deprecation; d != nil {
			errs = append(errs, d.validate(vp.Field("deprecation"))...)
		}
	}
	if s.Default != "" && !seen[s.Default] && len(s.Versions) > 0 {
		add(at.Field("default"), "version %q is not one of versions", s.Default)
	}
	return errs
}

func (d *Deprecation) validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	var since, sunset time.Time
	var err error
	if d.Since == "" {
		errs = append(errs, config.Errorf(at.Field("since"), "required (RFC 3339 date-time, e.g. 2026-01-01T00:00:00Z)"))
	} else if since, err = time.Parse(time.RFC3339, d.Since); err != nil {
		errs = append(errs, config.Errorf(at.Field("since"), "invalid date-time %q: use RFC 3339 (2026-01-01T00:00:00Z)", d.Since))
	}
	if d.Sunset != "" {
		if sunset, err = time.Parse(time.RFC3339, d.Sunset); err != nil {
			errs = append(errs, config.Errorf(at.Field("sunset"), "invalid date-time %q: use RFC 3339 (2026-01-01T00:00:00Z)", d.Sunset))
		} else if !since.IsZero() && sunset.Before(since) {
			// RFC 9745, section 2.1: a sunset before the deprecation is
			// meaningless.
			errs = append(errs, config.Errorf(at.Field("sunset"), "must not be before since"))
		}
	}
	for _, l := range []struct{ name, v string }{{"link", d.Link}, {"sunset_link", d.SunsetLink}} {
		if l.v == "" {
			continue
		}
		if u, err := url.Parse(l.v); err != nil || !u.IsAbs() || u.Host == "" {
			errs = append(errs, config.Errorf(at.Field(l.name), "must be an absolute URL"))
		} else if strings.ContainsAny(l.v, "<>\" ,;") {
			// It goes between <> in a Link header; percent-encode these.
			errs = append(errs, config.Errorf(at.Field(l.name), "must not contain <, >, quotes, spaces, commas or semicolons (percent-encode them)"))
		}
	}
	return errs
}
