// Package mtls is the mtls policy: a client certificate verified by the
// listener (tls.client_auth) authenticates the request, resolved to a
// consumer by its fingerprint, SANs or subject, and its details are
// forwarded to the service in headers the gateway owns.
package mtls

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/authn"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/consumer"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func init() {
	pipeline.Register("mtls", pipeline.PhaseAuthenticate, func() pipeline.Spec { return &Spec{} })
}

// Headers the policy sets from the verified certificate. A client never
// sets them: the chain removes them from every request on the route.
const (
	HeaderSubject     = "X-Client-Cert-Subject"
	HeaderFingerprint = "X-Client-Cert-Fingerprint"
	HeaderDNS         = "X-Client-Cert-San-Dns"
	HeaderURI         = "X-Client-Cert-San-Uri"
	HeaderEmail       = "X-Client-Cert-San-Email"
	HeaderCert        = "X-Client-Cert"
	// HeaderXFCC is Envoy's header for the same purpose; a client's copy
	// is removed so a service that reads it cannot be fooled.
	HeaderXFCC = "X-Forwarded-Client-Cert"
)

// Spec is the settings of mtls. Certificates map to consumers through
// consumers[].client_certs; the listener must verify them
// (listeners[].tls.client_auth).
type Spec struct {
	// Anonymous lets requests without a client certificate through (other
	// methods on the route may still authenticate them). A certificate
	// that maps to no consumer is still refused.
	Anonymous bool `yaml:"anonymous"`
	// AllowUnmapped accepts a verified certificate that maps to no
	// consumer: the request is authenticated, without a consumer.
	AllowUnmapped bool `yaml:"allow_unmapped"`
	// ForwardCert also sends the whole certificate, PEM URL-encoded as
	// nginx's $ssl_client_escaped_cert, in X-Client-Cert.
	ForwardCert bool `yaml:"forward_cert"`
}

// AllowsAnonymous implements authn.Method.
func (s *Spec) AllowsAnonymous() bool { return s.Anonymous }

// Challenge implements authn.Method: HTTP has no challenge for a
// certificate, which is asked for in the handshake.
func (s *Spec) Challenge() string { return "" }

// Validate checks the settings.
func (s *Spec) Validate(config.Path) []config.FieldError { return nil }

// Policy is the built mtls policy.
type Policy struct {
	index   *consumer.Index
	plan    authn.Plan
	spec    Spec
	missing *pipeline.Error
	cache   resolvedCache
}

// Build compiles the settings.
func (s *Spec) Build(bc pipeline.BuildContext) (pipeline.Policy, error) {
	ix, err := consumer.For(bc)
	if err != nil {
		return nil, err
	}
	plan, err := authn.PlanFor(bc, "mtls", s)
	if err != nil {
		return nil, err
	}
	p := &Policy{index: ix, plan: plan, spec: *s}
	p.missing = plan.Missing()
	if len(plan.Names) == 1 {
		p.missing = authn.Unauthorized("client certificate required")
	}
	return p, nil
}

// OwnedHeaders implements pipeline.HeaderOwner.
func (p *Policy) OwnedHeaders() []string {
	return authn.IdentityHeaders([]string{HeaderSubject, HeaderFingerprint, HeaderDNS, HeaderURI, HeaderEmail, HeaderCert, HeaderXFCC})
}

// Handle authenticates the request by its verified client certificate.
func (p *Policy) Handle(w http.ResponseWriter, r *http.Request, next pipeline.Handler) error {
	st := pipeline.FromRequest(r)
	if authn.Authenticated(st) {
		return next(w, r)
	}
	leaf := verifiedLeaf(r)
	if leaf == nil {
		if p.plan.Last && !p.plan.Anonymous {
			return p.missing
		}
		return next(w, r)
	}
	res := p.cache.get(leaf)
	if res == nil {
		res = p.resolve(leaf)
		p.cache.put(leaf, res)
	}
	if !res.ok && !p.spec.AllowUnmapped {
		return authn.Refused(st, authn.Unauthorized("client certificate not accepted", p.plan.Challenges...))
	}
	for _, h := range res.headers {
		r.Header[h.name] = h.value
	}
	authn.SetIdentity(r, st, p.index, res.consumer, res.id)
	return next(w, r)
}

// resolved is what a certificate maps to, worked out once per
// certificate: the requests of one connection share its parsed leaf.
type resolved struct {
	consumer *pipeline.Consumer
	id       string
	ok       bool
	headers  []header
}

type header struct {
	name  string
	value []string
}

func (p *Policy) resolve(leaf *x509.Certificate) *resolved {
	c, id, ok := p.index.ByClientCert(leaf)
	if !ok {
		id = "cert:" + consumer.Fingerprint(leaf)[:12]
	}
	res := &resolved{consumer: c, id: id, ok: ok}
	h := http.Header{}
	p.forward(h, leaf)
	for name, v := range h {
		res.headers = append(res.headers, header{name, v})
	}
	return res
}

// verifiedLeaf is the client's certificate if the listener verified it
// against its CAs; an unverified one (a listener without client_auth
// never asks) does not count.
func verifiedLeaf(r *http.Request) *x509.Certificate {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return nil
	}
	return r.TLS.VerifiedChains[0][0]
}

func (p *Policy) forward(h http.Header, leaf *x509.Certificate) {
	h[HeaderSubject] = []string{leaf.Subject.String()}
	h[HeaderFingerprint] = []string{consumer.Fingerprint(leaf)}
	if len(leaf.DNSNames) > 0 {
		h[HeaderDNS] = []string{strings.Join(leaf.DNSNames, ",")}
	}
	if len(leaf.URIs) > 0 {
		us := make([]string, len(leaf.URIs))
		for i, u := range leaf.URIs {
			us[i] = u.String()
		}
		h[HeaderURI] = []string{strings.Join(us, ",")}
	}
	if len(leaf.EmailAddresses) > 0 {
		h[HeaderEmail] = []string{strings.Join(leaf.EmailAddresses, ",")}
	}
	if p.spec.ForwardCert {
		pemText := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw})
		h[HeaderCert] = []string{url.QueryEscape(string(pemText))}
	}
}
