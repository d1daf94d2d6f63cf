package catalog

import "github.com/modelcontextprotocol/go-sdk/mcp"

// Prompt is an MCP prompt: a ready investigation an agent (or its user)
// picks by name. The transport serves it; Render writes its text.
type Prompt struct {
	Name, Title, Description string
	// Args are the prompt's arguments, all optional.
	Args []PromptArg
	// Render returns the prompt's text for the given argument values; an
	// error (an unknown argument) goes to the client as is.
	Render func(values map[string]string) (string, error)
}

// PromptArg is one argument of a Prompt.
type PromptArg struct {
	Name, Description string
}

// MCP returns the prompt as listed by prompts/list.
func (p *Prompt) MCP() *mcp.Prompt {
	out := &mcp.Prompt{Name: p.Name, Title: p.Title, Description: p.Description}
	for _, a := range p.Args {
		out.Arguments = append(out.Arguments, &mcp.PromptArgument{Name: a.Name, Description: a.Description})
	}
	return out
}
