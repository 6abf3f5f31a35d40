package cache

import (
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// keyer builds cache keys: "GET|host|/path?sorted=query|h:Name=v|c:n=v|u:consumer".
// HEAD shares GET's entries. The host is normalised (lower case, no
// port), the path is the one the router matched (normalised), and the
// query is sorted so that ?a=1&b=2 and ?b=2&a=1 are one entry.
type keyer struct {
	headers  []string // canonical
	cookies  []string
	include  map[string]bool
	exclude  map[string]bool
	noQuery  bool
	consumer bool
}

func newKeyer(k KeySpec) *keyer {
	kr := &keyer{cookies: k.Cookies, noQuery: k.IgnoreQuery, consumer: k.Consumer}
	for _, h := range k.Headers {
		kr.headers = append(kr.headers, textproto.CanonicalMIMEHeaderKey(h))
	}
	if len(k.QueryInclude) > 0 {
		kr.include = set(k.QueryInclude)
	}
	if len(k.QueryExclude) > 0 {
		kr.exclude = set(k.QueryExclude)
	}
	return kr
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// key is r's primary key; perUser adds the consumer or credential.
func (k *keyer) key(r *http.Request, st *pipeline.State, perUser bool) string {
	var b strings.Builder
	b.WriteString("GET|")
	b.WriteString(normalHost(st.Host))
	b.WriteByte('|')
	b.WriteString(st.Path)
	if q := k.query(r.URL.RawQuery); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	for _, h := range k.headers {
		b.WriteString("|h:")
		b.WriteString(h)
		b.WriteByte('=')
		b.WriteString(strings.Join(r.Header[h], ","))
	}
	for _, c := range k.cookies {
		b.WriteString("|c:")
		b.WriteString(c)
		b.WriteByte('=')
		if ck, err := r.Cookie(c); err == nil {
			b.WriteString(ck.Value)
		}
	}
	if k.consumer || perUser {
		b.WriteString("|u:")
		switch {
		case st.Consumer != nil:
			b.WriteString(st.Consumer.Name)
		case st.Credential != "":
			b.WriteString(st.Credential)
		}
	}
	return b.String()
}

// query is the query in the key: sorted by name then value, filtered by
// the include or exclude list. A query that does not parse is kept as
// sent (it still names one resource).
func (k *keyer) query(raw string) string {
	if raw == "" || k.noQuery {
		return ""
	}
	vs, err := url.ParseQuery(raw)
	if err != nil {
		return raw
	}
	for name := range vs {
		if k.include != nil && !k.include[name] || k.exclude[name] {
			delete(vs, name)
		}
	}
	for _, v := range vs {
		slices.Sort(v)
	}
	return vs.Encode() // sorted by name
}

// normalHost lower-cases a host and drops its port and a trailing dot.
func normalHost(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return strings.ToLower(strings.TrimSuffix(h, "."))
}

// varyKey extends a primary key with the request's values of the
// response's Vary fields.
func varyKey(primary string, names []string, h http.Header) string {
	if len(names) == 0 {
		return primary
	}
	var b strings.Builder
	b.WriteString(primary)
	for _, n := range names {
		b.WriteString("|v:")
		b.WriteString(n)
		b.WriteByte('=')
		b.WriteString(strings.Join(h[n], ","))
	}
	return b.String()
}

// varyNames reads a response's Vary: canonical names, sorted; star says
// it varies on everything (never stored).
func varyNames(vs []string) (names []string, star bool) {
	for _, v := range vs {
		for f := range strings.SplitSeq(v, ",") {
			f = strings.TrimSpace(f)
			switch {
			case f == "":
			case f == "*":
				return nil, true
			default:
				names = append(names, textproto.CanonicalMIMEHeaderKey(f))
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names), false
}
