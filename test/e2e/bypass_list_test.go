package e2e

import "testing"

// TestBypassListBothModes runs the exact variant list of the routing
// norm in both encoded-separator modes; with "decode" each is decoded,
// then normalised, and the upstream must get exactly the routed path.
func TestBypassListBothModes(t *testing.T) {
	t.Run("reject", func(t *testing.T) {
		runBypass(t, "reject", []bypassCase{
			{"/public/../admin", 200, "admin", "/admin", false},
			{"/public/%2e%2e/admin", 400, "", "", false},
			{"/public/%2E%2E/admin", 400, "", "", false},
			{"/public/.%2e/admin", 400, "", "", false},
			{"/public/%2fadmin", 400, "", "", false},
			{"/public%2F..%2Fadmin", 400, "", "", false},
			{"/public/..%5cadmin", 400, "", "", false},
			{`/public\..\admin`, 400, "", "", false},
			{"//admin", 200, "admin", "/admin", false},
			{"/public/./admin", 200, "public", "/public/admin", false},
			{"/public//admin", 200, "public", "/public/admin", false},
			{"/public/%00admin", 400, "", "", false},
			{"/public/%01", 400, "", "", false},
			{"/public/%1f", 400, "", "", false},
			{"/public/x#/../../admin", 400, "", "", false},
			{"*", 400, "", "", false},
		})
	})
	t.Run("decode", func(t *testing.T) {
		runBypass(t, "decode", []bypassCase{
			{"/public/../admin", 200, "admin", "/admin", false},
			{"/public/%2e%2e/admin", 200, "admin", "/admin", false},
			{"/public/%2E%2E/admin", 200, "admin", "/admin", false},
			{"/public/.%2e/admin", 200, "admin", "/admin", false},
			{"/public/%2fadmin", 200, "public", "/public/admin", false},
			{"/public%2F..%2Fadmin", 200, "admin", "/admin", false},
			{"/public/..%5cadmin", 200, "admin", "/admin", false},
			{`/public\..\admin`, 200, "admin", "/admin", false},
			{"//admin", 200, "admin", "/admin", false},
			{"/public/./admin", 200, "public", "/public/admin", false},
			{"/public//admin", 200, "public", "/public/admin", false},
			{"/public/%00admin", 400, "", "", false},
			{"/public/%0d%0a", 400, "", "", false},
			{"/public/%7f", 400, "", "", false},
			{"/public/x#/../../admin", 400, "", "", false},
			{"http://other.test/admin", 400, "", "", false},
			{"*", 400, "", "", false},
		})
	})
}
