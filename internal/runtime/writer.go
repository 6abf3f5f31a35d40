package runtime

import (
	"net/http"
	"time"
)

// recorder wraps the client's ResponseWriter to learn the status and the
// bytes sent for the access log, and to manage the write deadline: the
// listener's write timeout bounds a stall, not the whole response. It
// unwraps for http.ResponseController (flush, hijack).
type recorder struct {
	http.ResponseWriter
	status       int
	bytes        int64
	writeTimeout time.Duration
	// armedAt is when the current write deadline was set (net/http sets
	// the first one as it reads the request); noDeadline once lifted.
	armedAt    time.Time
	noDeadline bool
}

func (w *recorder) reset(rw http.ResponseWriter, writeTimeout time.Duration, armedAt time.Time) {
	*w = recorder{ResponseWriter: rw, writeTimeout: writeTimeout, armedAt: armedAt}
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 || code == http.StatusSwitchingProtocols {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.rearm()
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets ReverseProxy flush streamed responses straight away.
func (w *recorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
		return
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ResponseStarted is called when upstream headers arrive. An event stream
// or an upgraded connection has no natural end and loses its write
// deadline; any other response gets its budget back if a slow upstream
// ate into it.
func (w *recorder) ResponseStarted(stream bool) {
	if stream {
		w.noDeadline = true
		_ = http.NewResponseController(w.ResponseWriter).SetWriteDeadline(time.Time{})
		return
	}
	w.rearm()
}

// rearm moves the write deadline forward once a quarter of the budget has
// passed since it was set: a response that keeps making progress is never
// cut, a client that stops reading is cut after 3/4 to 1 times the write
// timeout, and a quick response costs no deadline update at all.
func (w *recorder) rearm() {
	if w.writeTimeout <= 0 || w.noDeadline {
		return
	}
	now := time.Now()
	if now.Sub(w.armedAt) < w.writeTimeout/4 {
		return
	}
	w.armedAt = now
	_ = http.NewResponseController(w.ResponseWriter).SetWriteDeadline(now.Add(w.writeTimeout))
}
