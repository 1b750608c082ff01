-- Settings for dofile-config.lua: a plain Lua table, as many teams keep them.
return {
   method = "POST",
   path = "/api/items",
   headers = { ["Content-Type"] = "application/json", ["X-Env"] = "staging" },
   body = '{"sku":"A-1","qty":2}',
}
