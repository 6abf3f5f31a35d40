// Package iprestrict is the ip_restriction policy: allow and deny lists
// of CIDRs, checked against the client IP the gateway resolved through
// its trusted proxies, before routing and authentication.
package iprestrict

import (
	"bufio"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("ip_restriction", pipeline.PhasePreRoute, func() pipeline.Spec { return &Spec{} })
}

// DefaultMessage is the client message of a refusal.
const DefaultMessage = "IP address not allowed"

// Spec is the settings of ip_restriction. An address in deny is refused
// even when allow covers it; when allow (or allow_file) is set, an
// address outside it is refused.
type Spec struct {
	// Allow are CIDRs ("10.0.0.0/8", "2001:db8::/32") or single addresses.
	Allow []string `yaml:"allow"`
	// Deny are CIDRs or single addresses refused.
	Deny []string `yaml:"deny"`
	// AllowFile and DenyFile name files of more entries, one a line
	// ("#" starts a comment), read when the config is loaded: for
	// blocklists of many thousands of entries.
	AllowFile string `yaml:"allow_file"`
	DenyFile  string `yaml:"deny_file"`
	// Status answers a refusal: 403 (default) or another 4xx.
	Status int `yaml:"status"`
	// Message is the refusal's error message. Default "IP address not
	// allowed".
	Message string `yaml:"message"`

	once  sync.Once // the spec of a global policy is built for every route
	built *Policy
	err   error
}

// Validate checks the settings.
func (s *Spec) Validate(at config.Path) []config.FieldError {
	var errs []config.FieldError
	if len(s.Allow)+len(s.Deny) == 0 && s.AllowFile == "" && s.DenyFile == "" {
		errs = append(errs, config.Errorf(at, "needs at least one of allow, deny, allow_file, deny_file"))
	}
	for _, l := range []struct {
		name string
		v    []string
	}{{"allow", s.Allow}, {"deny", s.Deny}} {
		for i, v := range l.v {
			if _, err := parseEntry(v); err != nil {
				errs = append(errs, config.Errorf(at.Field(l.name).Index(i), "%v", err))
			}
		}
	}
	if s.Status != 0 && (s.Status < 400 || s.Status > 499) {
		errs = append(errs, config.Errorf(at.Field("status"), "must be a 4xx status, got %d", s.Status))
	}
	return errs
}

// parseEntry reads a CIDR or a single address.
func parseEntry(v string) (netip.Prefix, error) {
	v = strings.TrimSpace(v)
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return p, fmt.Errorf("%q is not a CIDR (like 10.0.0.0/8 or 2001:db8::/32)", v)
		}
		return p, nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR", v)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Build compiles the lists, reading the files. The result is shared by
// every route the spec applies to.
func (s *Spec) Build(pipeline.BuildContext) (pipeline.Policy, error) {
	s.once.Do(func() { s.built, s.err = s.compile() })
	return s.built, s.err
}

func (s *Spec) compile() (*Policy, error) {
	allow, err := entries(s.Allow, s.AllowFile)
	if err != nil {
		return nil, fmt.Errorf("allow_file: %w", err)
	}
	deny, err := entries(s.Deny, s.DenyFile)
	if err != nil {
		return nil, fmt.Errorf("deny_file: %w", err)
	}
	p := &Policy{deny: NewSet(deny), hasAllow: len(allow) > 0 || s.AllowFile != ""}
	p.allow = NewSet(allow)
	status, msg := s.Status, s.Message
	if status == 0 {
		status = http.StatusForbidden
	}
	if msg == "" {
		msg = DefaultMessage
	}
	p.refused = pipeline.NewError(status, msg)
	return p, nil
}

func entries(list []string, file string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, v := range list {
		p, err := parseEntry(v)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if file == "" {
		return out, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		p, err := parseEntry(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, n, err)
		}
		out = append(out, p)
	}
	return out, sc.Err()
}
