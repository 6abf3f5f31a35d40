package mtls

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse/internal/authn"
	"github.com/gatehouse/gatehouse/internal/certs"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/consumer"
	"github.com/gatehouse/gatehouse/internal/pipeline"
)

func leaf(t testing.TB, l certs.Leaf) *x509.Certificate {
	t.Helper()
	ca, err := certs.NewAuthority("t")
	if err != nil {
		t.Fatal(err)
	}
	l.Client = true
	c, k, err := ca.Issue(l)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(c, k)
	if err != nil {
		t.Fatal(err)
	}
	return pair.Leaf
}

func testPolicy(t testing.TB, spec Spec, cs ...config.Consumer) *Policy {
	t.Helper()
	ix, err := consumer.New(cs)
	if err != nil {
		t.Fatal(err)
	}
	plan := authn.Plan{Names: []string{"mtls"}, Last: true}
	return &Policy{index: ix, plan: plan, spec: spec, missing: authn.Unauthorized("client certificate required")}
}

func request(l *x509.Certificate) (*http.Request, *pipeline.State) {
	r := httptest.NewRequest("GET", "/", nil)
	if l != nil {
		r.TLS = &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{l}}, PeerCertificates: []*x509.Certificate{l}}
	}
	st := &pipeline.State{}
	return pipeline.WithState(r, st), st
}

func TestHandle(t *testing.T) {
	p := testPolicy(t, Spec{}, config.Consumer{Name: "svc", ClientCerts: []config.ClientCertIdentity{{DNS: "svc.internal"}}})
	ok := func(http.ResponseWriter, *http.Request) error { return nil }

	r, st := request(leaf(t, certs.Leaf{CommonName: "svc", DNS: []string{"svc.internal"}}))
	if err := p.Handle(nil, r, ok); err != nil {
		t.Fatalf("mapped certificate: %v", err)
	}
	if st.Consumer == nil || st.Consumer.Name != "svc" || r.Header.Get(HeaderSubject) != "CN=svc" || r.Header.Get(HeaderDNS) != "svc.internal" {
		t.Errorf("consumer %+v, headers %v", st.Consumer, r.Header)
	}

	r, _ = request(leaf(t, certs.Leaf{CommonName: "other"}))
	if err := p.Handle(nil, r, ok); err == nil || err.(*pipeline.Error).Status != 401 {
		t.Errorf("unmapped certificate: %v; want 401", err)
	}
	// A certificate the listener did not verify does not count.
	r, _ = request(nil)
	r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf(t, certs.Leaf{DNS: []string{"svc.internal"}})}}
	if err := p.Handle(nil, r, ok); err == nil {
		t.Error("unverified certificate accepted")
	}
}

// BenchmarkHandle is the per-request cost of a mapped certificate.
func BenchmarkHandle(b *testing.B) {
	p := testPolicy(b, Spec{}, config.Consumer{Name: "svc", ClientCerts: []config.ClientCertIdentity{{URI: "spiffe://x/svc"}}})
	l := leaf(b, certs.Leaf{CommonName: "svc", URIs: []string{"spiffe://x/svc"}})
	ok := func(http.ResponseWriter, *http.Request) error { return nil }
	r, st := request(l)
	b.ReportAllocs()
	for b.Loop() {
		st.Credential = ""
		clear(r.Header)
		if err := p.Handle(nil, r, ok); err != nil {
			b.Fatal(err)
		}
	}
}
