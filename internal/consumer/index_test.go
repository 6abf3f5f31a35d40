package consumer

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/statepool"
)

var consumers = []config.Consumer{
	{Name: "a", Groups: []string{"paid", "eu"}, APIKeys: []config.APIKey{{Key: "key-a"}}, JWT: []config.JWTIdentity{{Issuer: "https://i", Subject: "sa"}}},
	{Name: "b", APIKeys: []config.APIKey{{SHA256: "7C9F2B1D9D5B1B5E8C3A0D8F1E2D3C4B5A69788776655443322110FFEEDDCCBB"}, {SHA256: config.HashAPIKey("key-b")}},
		JWT: []config.JWTIdentity{{Subject: "sb"}}, BasicAuth: []config.BasicUser{{Username: "ub", PasswordBcrypt: "$2b$..."}}},
}

func TestIndexLookups(t *testing.T) {
	ix, err := New(consumers)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key, want string
	}{{"key-a", "a"}, {"key-b", "b"}, {"key-A", ""}, {"key-a ", ""}, {"", ""}} {
		got, id, ok := ix.ByKey(c.key)
		if (c.want == "") == ok || (ok && got.Name != c.want) {
			t.Errorf("ByKey(%q) = %v, %v; want %q", c.key, got, ok, c.want)
		}
		if ok && (len(id) != len("key:")+12 || id == "key:"+c.key) {
			t.Errorf("ByKey(%q) id = %q; want key: and a 12-digit hash prefix", c.key, id)
		}
	}
	if c := ix.BySubject("https://i", "sa"); c == nil || c.Name != "a" {
		t.Errorf("BySubject(i, sa) = %v; want a", c)
	}
	if c := ix.BySubject("https://other", "sa"); c != nil {
		t.Errorf("BySubject(other, sa) = %v; want nil (issuer bound)", c)
	}
	if c := ix.BySubject("https://any", "sb"); c == nil || c.Name != "b" {
		t.Errorf("BySubject(any, sb) = %v; want b (any issuer)", c)
	}
	if u, ok := ix.ByUser("ub"); !ok || u.Consumer.Name != "b" {
		t.Errorf("ByUser(ub) = %v, %v; want b", u, ok)
	}
	h := ix.HeadersOf(ix.ByName("a"))
	if h.Name[0] != "a" || h.Groups[0] != "paid,eu" {
		t.Errorf("HeadersOf(a) = %+v; want a and paid,eu", h)
	}
}

func TestForSharesOneIndexPerConsumers(t *testing.T) {
	pool := statepool.New()
	g := pool.Begin()
	cfg := &config.Config{Consumers: consumers}
	a, _ := For(pipeline.BuildContext{Config: cfg, State: g})
	b, _ := For(pipeline.BuildContext{Config: cfg, State: g})
	if a != b {
		t.Errorf("two policies of one build got different indexes")
	}
	c, _ := For(pipeline.BuildContext{Config: &config.Config{Consumers: consumers[:1]}, State: g})
	if c == a || c.Len() != 1 {
		t.Errorf("other consumers reused the index (len %d)", c.Len())
	}
}
