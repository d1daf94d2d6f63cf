package transport

import "github.com/modelcontextprotocol/go-sdk/mcp"

func (h *Handler) sdkStore() *mcp.MemoryEventStore { return h.events.MemoryEventStore }
