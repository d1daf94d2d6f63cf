package tools

import (
	"encoding/json"
	"time"

	"github.com/ergomcp/ergomcp/internal/catalog"
	"github.com/ergomcp/ergomcp/internal/record"
	"github.com/ergomcp/ergomcp/internal/result"
)

type sampleListArgs struct {
	catalog.Common
	catalog.Page
}

func init() {
	register(catalog.Tool{
		Name:  "sample_list",
		Title: "List samplers",
		Description: "Every sampler: id, kind, status, samples, buffered, dropped, errors, remaining time, and the node's sampler " +
			"ceilings.",
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
