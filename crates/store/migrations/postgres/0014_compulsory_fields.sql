-- chiso schema, version 14 (postgres): compulsory fields of a data set (DHIS2's compulsory data
-- elements). A report cannot be completed while a compulsory element's field is empty. Every
-- element of a form written before this version is optional, as it was.
ALTER TABLE data_set_elements ADD COLUMN compulsory BOOLEAN NOT NULL DEFAULT FALSE;
