package demo

import (
	"net/http"
	"strings"
	"time"
)

type paymentsService struct{}

func newPaymentsService() *paymentsService { return &paymentsService{} }

func (p *paymentsService) handler() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /charge", p.charge)
	mux.HandleFunc("GET /health", health("payments"))
	return mux
}

type chargeRequest struct {
	// Amount is in minor units (cents); a pointer so "missing" differs
	// from an explicit 0, and both are rejected with a clear message.
	Amount   *int64 `json:"amount"`
	Currency string `json:"currency"`
	OrderID  string `json:"order_id,omitempty"`
}

type chargeResponse struct {
	ChargeID      string        `json:"charge_id"`
	Status        string        `json:"status"`
	Amount        int64         `json:"amount"`
	Currency      string        `json:"currency"`
	OrderID       string        `json:"order_id,omitempty"`
	Created       string        `json:"created"`
	SeenByService seenByService `json:"seen_by_service"`
}

func (p *paymentsService) charge(w http.ResponseWriter, r *http.Request) {
	var req chargeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Amount == nil || *req.Amount <= 0 {
		writeError(w, http.StatusBadRequest, "amount must be a positive integer (minor units, e.g. cents)")
		return
	}
	cur := strings.ToUpper(strings.TrimSpace(req.Currency))
	if !isCurrencyCode(cur) {
		writeError(w, http.StatusBadRequest, "currency must be a three-letter code such as EUR or USD")
		return
	}
	writeJSON(w, http.StatusOK, chargeResponse{
		ChargeID:      newID("ch_"),
		Status:        "succeeded",
		Amount:        *req.Amount,
		Currency:      cur,
		OrderID:       req.OrderID,
		Created:       time.Now().UTC().Format(time.RFC3339),
		SeenByService: seenBy("payments", r),
	})
}

// isCurrencyCode accepts any ISO 4217-shaped code; the demo does not keep
// a list of real currencies.
func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}
