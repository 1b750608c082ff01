-- A response() that reads one header.
local seen = 0
response = function(status, headers, body)
  if headers["Content-Type"] then seen = seen + 1 end
end
