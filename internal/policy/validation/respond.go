package validation

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/pipeline"
)

// maxProblems bounds the answer: a huge invalid document must not make
// a huge error.
const maxProblems = 50

// answer is the gateway's error body with the failing locations added.
type answer struct {
	Error     string    `json:"error"`
	Status    int       `json:"status"`
	RequestID string    `json:"request_id"`
	Errors    []Problem `json:"errors"`
}

// writeProblems answers 400 with every failing location.
func writeProblems(w http.ResponseWriter, r *http.Request, st *pipeline.State, probs []Problem) error {
	if len(probs) > maxProblems {
		probs = probs[:maxProblems]
	}
	a := answer{Error: "request validation failed", Status: http.StatusBadRequest, Errors: probs}
	if st != nil {
		a.RequestID = st.RequestID
		st.Err = pipeline.NewError(http.StatusBadRequest, "request validation failed")
	}
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusBadRequest)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
	return nil
}
