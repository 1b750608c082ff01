-- Log the status and body size of every response, one line each, from every thread.
-- Flags: --allow-write .
-- Writes: responses.log 200
-- Without: writing "responses.log" needs --allow-write
local log

function init(args)
   log = io.open("responses.log", "a")
end

function response(status, headers, body)
   log:write(os.time(), " ", status, " ", #body, "\n")
end
