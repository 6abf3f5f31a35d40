package demo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Order is one order held by the orders service.
type Order struct {
	ID       string `json:"id"`
	Customer string `json:"customer"`
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
	Status   string `json:"status"`
}

// Stream pacing for GET /orders/stream: few and slow enough to watch in a
// terminal, fast enough that the demo finishes in about a second.
const (
	streamEvents   = 5
	streamInterval = 200 * time.Millisecond
)

type ordersService struct {
	mu     sync.Mutex
	orders []Order // in creation order, so listings are stable
	nextID int
}

func newOrdersService() *ordersService {
	return &ordersService{
		orders: []Order{
			{ID: "1001", Customer: "alice", Item: "coffee beans", Quantity: 2, Status: "shipped"},
			{ID: "1002", Customer: "bob", Item: "tea sampler", Quantity: 1, Status: "processing"},
			{ID: "1003", Customer: "alice", Item: "mug", Quantity: 4, Status: "delivered"},
		},
		nextID: 1004,
	}
}

func (o *ordersService) handler() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders", o.list)
	mux.HandleFunc("POST /orders", o.create)
	// The literal segment wins over {id}, so "stream" is never an order ID.
	mux.HandleFunc("GET /orders/stream", o.stream)
	mux.HandleFunc("GET /orders/{id}", o.get)
	mux.HandleFunc("GET /health", health("orders"))
	return mux
}

func (o *ordersService) list(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	orders := slices.Clone(o.orders)
	o.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Orders        []Order       `json:"orders"`
		SeenByService seenByService `json:"seen_by_service"`
	}{orders, seenBy("orders", r)})
}

type orderResponse struct {
	Order         Order         `json:"order"`
	SeenByService seenByService `json:"seen_by_service"`
}

func (o *ordersService) get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	o.mu.Lock()
	i := slices.IndexFunc(o.orders, func(x Order) bool { return x.ID == id })
	var order Order
	if i >= 0 {
		order = o.orders[i]
	}
	o.mu.Unlock()
	if i < 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("order %q not found", id))
		return
	}
	writeJSON(w, http.StatusOK, orderResponse{order, seenBy("orders", r)})
}

type createOrderRequest struct {
	Customer string `json:"customer"`
	Item     string `json:"item"`
	Quantity int    `json:"quantity"`
}

func (o *ordersService) create(w http.ResponseWriter, r *http.Request) {
	var req createOrderRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	req.Item = strings.TrimSpace(req.Item)
	switch {
	case req.Item == "":
		writeError(w, http.StatusBadRequest, "item is required")
		return
	case req.Quantity <= 0:
		writeError(w, http.StatusBadRequest, "quantity must be a positive integer")
		return
	}
	if req.Customer == "" {
		req.Customer = "guest"
	}
	o.mu.Lock()
	order := Order{
		ID:       fmt.Sprint(o.nextID),
		Customer: req.Customer,
		Item:     req.Item,
		Quantity: req.Quantity,
		Status:   "created",
	}
	o.nextID++
	// Kept in memory so a following GET /orders/{id} finds it.
	o.orders = append(o.orders, order)
	o.mu.Unlock()
	w.Header().Set("Location", "/orders/"+order.ID)
	writeJSON(w, http.StatusCreated, orderResponse{order, seenBy("orders", r)})
}

// streamEvent is the data of one Server-Sent Event.
type streamEvent struct {
	Seq           int           `json:"seq"`
	OrderID       string        `json:"order_id"`
	Status        string        `json:"status"`
	SeenByService seenByService `json:"seen_by_service"`
}

// stream sends a few order status updates as Server-Sent Events, flushing
// each one, so the demo can show that the gateway does not buffer streams.
func (o *ordersService) stream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	// Tells buffering proxies (nginx and friends) to pass events straight on.
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	statuses := []string{"created", "paid", "packed", "shipped", "delivered"}
	seen := seenBy("orders", r)
	ticker := time.NewTicker(streamInterval)
	defer ticker.Stop()
	for i := range streamEvents {
		if i > 0 {
			select {
			case <-ticker.C:
			case <-r.Context().Done():
				return // client left; stop writing
			}
		}
		data, _ := json.Marshal(streamEvent{
			Seq:           i + 1,
			OrderID:       "1001",
			Status:        statuses[i%len(statuses)],
			SeenByService: seen,
		})
		if _, err := fmt.Fprintf(w, "id: %d\nevent: order-status\ndata: %s\n\n", i+1, data); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return // the writer cannot stream; nothing more to do
		}
	}
}
