-- Paths for script-dir-paths.lua.
return {"/", "/hello", "/api/items", "/bytes/128"}
