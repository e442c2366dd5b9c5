-- chiso schema, version 10: a covering index of the numbers (postgres), so that the engine's load
-- at start reads the index alone, in element and unit order.
CREATE INDEX data_values_numbers ON data_values(element, unit, period, breakdown, value) WHERE num IS NOT NULL;
