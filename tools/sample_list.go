package tools

import (
	"encoding/json"
	"time"

	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/result"
	"github.com/ergomcp/ergomcp/tools/catalog"
)

type sampleListArgs struct {
	catalog.Common
	catalog.Page
}

func init() {
	register(catalog.Tool{
		Name:  "sample_list",
		Title: "List samplers",
		Description: "Every sampler of the node, oldest first: sampler_id, node (the owner: read, stop and list a sampler " +
			"with node=<owner>), kind (active or passive), description, target_node (the node an active sampler's tool " +
			"runs on, when another), pid, status (running, lingering, completed, stopped), reason, uptime_sec, " +
			"remaining_sec (of collecting while running, of readability while lingering), samples (taken in all), " +
			"buffered/buffer_size, bytes/byte_budget, last_sequence, dropped (overwritten before any read returned them), " +
			"errors, last_error, skipped_ticks. Ended samplers stay listed for ten minutes after their samples are gone. " +
			"The envelope shows the node's ceilings: live (running or lingering) of max_samplers, bytes_reserved of " +
			"memory_budget.",
	}, sampleList)
}

func sampleList(env *Env, args *sampleListArgs) (any, error) {
	reg, err := env.samplers()
	if err != nil {
		return nil, err
	}
	items, usage := reg.List(time.Now())
	list := &result.List{
		Total:    len(items),
		ItemsKey: "samplers",
		Extra: []record.Field{
			{Name: "node", Value: reg.Owner()},
			{Name: "live", Value: usage.Live},
			{Name: "max_samplers", Value: usage.MaxSamplers},
			{Name: "bytes_reserved", Value: usage.Reserved},
			{Name: "memory_budget", Value: usage.TotalBytes},
		},
	}
	for _, it := range items {
		list.Items = append(list.Items, json.RawMessage(it))
	}
	return list, nil
}
